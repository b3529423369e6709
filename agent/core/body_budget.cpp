#include "core/body_budget.h"

#include <algorithm>
#include <cstdio>

namespace campus {

BodyBudget& BodyBudget::process() {
  static BodyBudget budget;
  return budget;
}

bool BodyBudget::try_take(std::size_t bytes) {
  const std::size_t limit = limit_.load(std::memory_order_relaxed);
  std::size_t now = in_use_.load(std::memory_order_relaxed);
  do {
    if (bytes > limit || now > limit - bytes) {
      refusals_.fetch_add(1, std::memory_order_relaxed);
      if (auto* o = observer_.load(std::memory_order_acquire)) o->exhausted();
      return false;
    }
  } while (!in_use_.compare_exchange_weak(now, now + bytes, std::memory_order_relaxed));
  if (auto* o = observer_.load(std::memory_order_acquire)) o->buffered(now + bytes);
  return true;
}

void BodyBudget::give_back(std::size_t bytes) {
  if (bytes == 0) return;
  const std::size_t before = in_use_.fetch_sub(bytes, std::memory_order_relaxed);
  if (auto* o = observer_.load(std::memory_order_acquire)) o->buffered(before - bytes);
}

std::string BodyBudget::exhausted_reason() const {
  return "response body budget exhausted: " + format_bytes(limit()) +
         " buffered by runs in flight (agent.body_budget)";
}

BodyReservation& BodyReservation::operator=(BodyReservation&& other) noexcept {
  if (this != &other) {
    release();
    budget_ = other.budget_;
    held_ = std::exchange(other.held_, 0);
    refused_ = std::exchange(other.refused_, false);
  }
  return *this;
}

bool BodyReservation::hold_at_least(std::size_t bytes) {
  if (bytes <= held_) return true;
  if (!budget_->try_take(bytes - held_)) {
    refused_ = true;
    return false;
  }
  held_ = bytes;
  return true;
}

void BodyReservation::release() {
  budget_->give_back(std::exchange(held_, 0));
}

bool append_body(std::string& body, std::string_view data, std::size_t max_size,
                 BodyReservation& reservation) {
  const std::size_t need = body.size() + data.size();
  if (need > body.capacity()) {
    // Grow as std::string would (doubling), but within max_size, and only with the budget's
    // consent for the whole new capacity.
    const std::size_t want = std::max(need, std::min(body.capacity() * 2, max_size));
    if (!reservation.hold_at_least(want)) return false;
    body.reserve(want);
  }
  body.append(data);
  return true;
}

std::string format_bytes(std::size_t bytes) {
  const auto scaled = [&](double unit, const char* name) {
    char text[32];
    const double value = double(bytes) / unit;
    if (value == double(std::size_t(value))) {
      std::snprintf(text, sizeof text, "%zu %s", std::size_t(value), name);
    } else {
      std::snprintf(text, sizeof text, "%.1f %s", value, name);
    }
    return std::string(text);
  };
  if (bytes >= (std::size_t(1) << 30)) return scaled(double(1 << 30), "GiB");
  if (bytes >= (std::size_t(1) << 20)) return scaled(double(1 << 20), "MiB");
  if (bytes >= 1024) return scaled(1024.0, "KiB");
  return std::to_string(bytes) + " bytes";
}

std::optional<std::size_t> parse_bytes(std::string_view text) {
  std::size_t i = 0;
  std::size_t value = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    if (value > (std::size_t(-1) - 9) / 10) return std::nullopt;
    value = value * 10 + std::size_t(text[i] - '0');
  }
  if (i == 0) return std::nullopt;
  while (i < text.size() && text[i] == ' ')
    ++i;
  const std::string_view unit = text.substr(i);
  int shift = 0;
  if (unit == "KiB") {
    shift = 10;
  } else if (unit == "MiB") {
    shift = 20;
  } else if (unit == "GiB") {
    shift = 30;
  } else if (!unit.empty() && unit != "B" && unit != "bytes") {
    return std::nullopt;
  }
  if (shift > 0 && value > (std::size_t(-1) >> shift)) return std::nullopt;
  return value << shift;
}

}  // namespace campus
