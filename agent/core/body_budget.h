#pragma once
// One process-wide budget for the response bodies that runs in flight hold in memory. Each check
// has its own max_body_bytes, but fifty checks of 64 MiB each running at once would need 3 GiB: the
// budget bounds their sum, so that a few large answers cut off one run instead of the agent.
//
// A transfer holds a BodyReservation for as long as its body buffer lives, grows it before the
// buffer grows, and gives everything back when it is destroyed (RAII): a run that ends in any way,
// an exception or a cancellation included, returns what it held.

#include <atomic>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace campus {

class BodyBudget {
 public:
  /// Told about changes, for metrics; called on whichever thread reserves or releases.
  class Observer {
   public:
    virtual ~Observer() = default;
    virtual void buffered(std::size_t bytes) = 0;
    virtual void exhausted() = 0;
  };

  static constexpr std::size_t kDefaultLimit = std::size_t(256) << 20;

  explicit BodyBudget(std::size_t limit = kDefaultLimit) : limit_(limit) {}
  BodyBudget(const BodyBudget&) = delete;
  BodyBudget& operator=(const BodyBudget&) = delete;

  /// The budget every probe draws from (agent.body_budget; the default until the daemon sets it).
  static BodyBudget& process();

  /// A new limit applies to reservations from now on; what is held stays held.
  void set_limit(std::size_t limit) { limit_.store(limit, std::memory_order_relaxed); }
  std::size_t limit() const { return limit_.load(std::memory_order_relaxed); }
  std::size_t in_use() const { return in_use_.load(std::memory_order_relaxed); }
  /// Reservations refused so far.
  std::size_t refusals() const { return refusals_.load(std::memory_order_relaxed); }
  /// nullptr: none. Must outlive every later reservation.
  void set_observer(Observer* observer) { observer_.store(observer, std::memory_order_release); }

  /// Takes `bytes` if the sum stays within the limit; false (and nothing taken) otherwise.
  bool try_take(std::size_t bytes);
  void give_back(std::size_t bytes);

  /// "response body budget exhausted: 256 MiB buffered by runs in flight"
  std::string exhausted_reason() const;

 private:
  std::atomic<std::size_t> limit_;
  std::atomic<std::size_t> in_use_{0};
  std::atomic<std::size_t> refusals_{0};
  std::atomic<Observer*> observer_{nullptr};
};

/// Bytes of a budget held by one body buffer. Move-only; releases on destruction.
class BodyReservation {
 public:
  explicit BodyReservation(BodyBudget& budget = BodyBudget::process()) : budget_(&budget) {}
  ~BodyReservation() { release(); }
  BodyReservation(BodyReservation&& other) noexcept
      : budget_(other.budget_),
        held_(std::exchange(other.held_, 0)),
        refused_(std::exchange(other.refused_, false)) {}
  BodyReservation& operator=(BodyReservation&& other) noexcept;
  BodyReservation(const BodyReservation&) = delete;
  BodyReservation& operator=(const BodyReservation&) = delete;

  /// Holds at least `bytes` in total; false when the budget cannot give the difference.
  bool hold_at_least(std::size_t bytes);
  void release();
  std::size_t held() const { return held_; }
  /// Set once a growth was refused, so that the probe can say why its transfer stopped.
  bool refused() const { return refused_; }
  const BodyBudget& budget() const { return *budget_; }

 private:
  BodyBudget* budget_;
  std::size_t held_ = 0;
  bool refused_ = false;
};

/// Appends `data` to `body`, growing the buffer only as far as `reservation` can cover its new
/// capacity, and never beyond `max_size` (the check's max_body_bytes): the reservation accounts
/// for the memory the string really holds, not only the bytes in it. False when the budget was
/// exhausted (nothing appended; reservation.refused() is then set).
bool append_body(std::string& body, std::string_view data, std::size_t max_size,
                 BodyReservation& reservation);

/// "256 MiB", "1.5 MiB", "640 KiB", "100 bytes".
std::string format_bytes(std::size_t bytes);
/// "268435456", "256MiB", "512 KiB", "1GiB" (binary units only); nullopt otherwise.
std::optional<std::size_t> parse_bytes(std::string_view text);

}  // namespace campus
