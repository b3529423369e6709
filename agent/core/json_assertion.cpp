#include "core/json_assertion.h"

#include <map>
#include <sstream>

namespace campus {
namespace {

std::string trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  const auto end = s.find_last_not_of(" \t");
  return s.substr(begin, end - begin + 1);
}

std::string show(const nlohmann::json& value) {
  std::string s = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

}  // namespace

std::optional<JsonAssertion> JsonAssertion::parse(const std::string& text, std::string& error) {
  static const std::map<std::string, Op> ops{
      {"==", Op::eq},          {"!=", Op::ne}, {"<", Op::lt},          {"<=", Op::le},
      {">", Op::gt},           {">=", Op::ge}, {"exists", Op::exists}, {"!exists", Op::not_exists},
      {"matches", Op::matches}};
  JsonAssertion a;
  a.text_ = text;
  std::istringstream in(text);
  std::string pointer, op;
  in >> pointer >> op;
  std::string rest;
  std::getline(in, rest);
  rest = trim(rest);
  if (pointer.empty() || (pointer != "" && pointer[0] != '/')) {
    error = "expected a JSON pointer starting with '/' in '" + text + "'";
    return std::nullopt;
  }
  try {
    a.pointer_ = nlohmann::json::json_pointer(pointer);
  } catch (const nlohmann::json::exception& e) {
    error = "bad JSON pointer '" + pointer + "'";
    return std::nullopt;
  }
  auto it = ops.find(op);
  if (it == ops.end()) {
    error = "expected one of == != < <= > >= exists !exists matches after the pointer in '" + text +
            "'";
    return std::nullopt;
  }
  a.op_ = it->second;
  const bool needs_value = a.op_ != Op::exists && a.op_ != Op::not_exists;
  if (needs_value && rest.empty()) {
    error = "missing the value to compare with in '" + text + "'";
    return std::nullopt;
  }
  if (!needs_value && !rest.empty()) {
    error = "'" + op + "' takes no value in '" + text + "'";
    return std::nullopt;
  }
  if (a.op_ == Op::matches) {
    a.regex_ = Regex::compile(rest, error);
    if (!a.regex_) return std::nullopt;
  } else if (needs_value) {
    a.expected_ = nlohmann::json::parse(rest, nullptr, false);
    if (a.expected_.is_discarded()) a.expected_ = rest;  // a bare string
    if ((a.op_ == Op::lt || a.op_ == Op::le || a.op_ == Op::gt || a.op_ == Op::ge) &&
        !a.expected_.is_number()) {
      error = "'" + op + "' compares numbers, but '" + rest + "' is not a number";
      return std::nullopt;
    }
  }
  return a;
}

std::optional<std::string> JsonAssertion::check(const nlohmann::json& document) const {
  const std::string where = pointer_.to_string();
  const bool present = document.contains(pointer_);
  if (op_ == Op::exists) {
    if (present) return std::nullopt;
    return where + ": expected to exist, but it is missing";
  }
  if (op_ == Op::not_exists) {
    if (!present) return std::nullopt;
    return where + ": expected to be absent, got " + show(document.at(pointer_));
  }
  if (!present) return where + ": missing";
  const nlohmann::json& actual = document.at(pointer_);
  bool ok = false;
  std::string op_text;
  switch (op_) {
    case Op::eq:
      ok = actual == expected_;
      op_text = "==";
      break;
    case Op::ne:
      ok = actual != expected_;
      op_text = "!=";
      break;
    case Op::lt:
    case Op::le:
    case Op::gt:
    case Op::ge: {
      if (!actual.is_number()) return where + ": expected a number, got " + show(actual);
      const double a = actual.get<double>(), e = expected_.get<double>();
      ok = op_ == Op::lt ? a < e : op_ == Op::le ? a <= e : op_ == Op::gt ? a > e : a >= e;
      op_text = op_ == Op::lt ? "<" : op_ == Op::le ? "<=" : op_ == Op::gt ? ">" : ">=";
      break;
    }
    case Op::matches: {
      const std::string subject = actual.is_string() ? actual.get<std::string>() : show(actual);
      ok = regex_->search(subject);
      if (!ok)
        return where + ": expected to match /" + regex_->pattern() + "/, got " + show(actual);
      return std::nullopt;
    }
    default:
      break;
  }
  if (ok) return std::nullopt;
  return where + ": expected " + op_text + " " + show(expected_) + ", got " + show(actual);
}

}  // namespace campus
