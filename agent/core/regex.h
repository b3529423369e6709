#pragma once
// Regular expressions for assertions on target responses, through PCRE2: matching is bounded
// (match and depth limits), so a hostile or huge response cannot hang or crash the agent.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace campus {

/// A compiled pattern (Perl syntax, UTF-8). Immutable; safe to share between threads.
class Regex {
 public:
  /// Compiles `pattern`; on a syntax error returns nullopt and sets `error` to PCRE2's message
  /// with the offset.
  static std::optional<Regex> compile(std::string_view pattern, std::string& error);

  /// True if the pattern matches anywhere in `subject`. A match that exceeds the limits counts
  /// as no match.
  bool search(std::string_view subject) const;
  /// The groups of the first match (index 0 is the whole match), or nullopt.
  std::optional<std::vector<std::string>> first_match(std::string_view subject) const;

  const std::string& pattern() const { return pattern_; }

 private:
  struct Code;
  Regex(std::string pattern, std::shared_ptr<const Code> code)
      : pattern_(std::move(pattern)), code_(std::move(code)) {}
  std::string pattern_;
  std::shared_ptr<const Code> code_;
};

}  // namespace campus
