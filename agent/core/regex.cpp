#include "core/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace campus {

struct Regex::Code {
  pcre2_code* code = nullptr;
  ~Code() { pcre2_code_free(code); }
};

namespace {

// Limits far beyond what a sane assertion needs, far below what could stall the event loop.
constexpr uint32_t kMatchLimit = 1'000'000;
constexpr uint32_t kDepthLimit = 10'000;

struct MatchData {
  explicit MatchData(const pcre2_code* code)
      : data(pcre2_match_data_create_from_pattern(code, nullptr)),
        context(pcre2_match_context_create(nullptr)) {
    pcre2_set_match_limit(context, kMatchLimit);
    pcre2_set_depth_limit(context, kDepthLimit);
  }
  ~MatchData() {
    pcre2_match_data_free(data);
    pcre2_match_context_free(context);
  }
  MatchData(const MatchData&) = delete;
  MatchData& operator=(const MatchData&) = delete;
  pcre2_match_data* data;
  pcre2_match_context* context;
};

int run_match(const pcre2_code* code, std::string_view subject, MatchData& md) {
  // PCRE2_NO_UTF_CHECK is not used: responses may hold invalid UTF-8, which PCRE2 then rejects
  // as a non-match instead of misbehaving. Patterns compiled without UTF stay byte-oriented.
  return pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0, 0,
                     md.data, md.context);
}

}  // namespace

std::optional<Regex> Regex::compile(std::string_view pattern, std::string& error) {
  int code_error = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), 0,
                                   &code_error, &offset, nullptr);
  if (!code) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(code_error, message, sizeof message);
    error = std::string(reinterpret_cast<const char*>(message)) + " at offset " +
            std::to_string(offset);
    return std::nullopt;
  }
  auto owned = std::make_shared<Code>();
  owned->code = code;
  return Regex(std::string(pattern), std::move(owned));
}

bool Regex::search(std::string_view subject) const {
  MatchData md(code_->code);
  return run_match(code_->code, subject, md) > 0;
}

std::optional<std::vector<std::string>> Regex::first_match(std::string_view subject) const {
  MatchData md(code_->code);
  const int rc = run_match(code_->code, subject, md);
  if (rc <= 0) return std::nullopt;
  const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(md.data);
  std::vector<std::string> groups;
  for (int i = 0; i < rc; ++i) {
    if (ovector[2 * i] == PCRE2_UNSET) {
      groups.emplace_back();
    } else {
      groups.emplace_back(subject.substr(ovector[2 * i], ovector[2 * i + 1] - ovector[2 * i]));
    }
  }
  return groups;
}

}  // namespace campus
