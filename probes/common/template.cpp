#include "common/template.h"

#include <algorithm>
#include <cctype>
#include <functional>

#include "common/transforms.h"
#include "core/active_window.h"
#include "core/duration.h"

namespace campus {

struct Template::Node {
  enum class Kind { literal, variable, call } kind = Kind::literal;
  std::string text;  // literal text, variable name or function name
  std::vector<Node> args;
};

namespace {

using Node = Template::Node;
using Value = Variables::Value;
using Args = std::vector<std::string>;

// What an expansion gives every function besides its arguments.
struct Context {
  std::chrono::system_clock::time_point now;
};

using Apply = std::function<std::optional<std::string>(const Args&, const Context&, std::string&)>;
// Checks the arguments written as literals when the template is parsed; the same checks run on
// the values at expansion.
using Check = std::function<bool(const std::vector<Node>&, std::string&)>;

struct Function {
  std::string_view name;
  std::size_t min_args;
  std::size_t max_args;
  Apply apply;
  Check check = nullptr;
};

// Adapts a function of its arguments alone.
template <typename F>
Apply pure(F f) {
  return [f](const Args& a, const Context&, std::string& e) -> std::optional<std::string> {
    return f(a, e);
  };
}

const std::string* literal(const std::vector<Node>& args, std::size_t i) {
  return i < args.size() && args[i].kind == Node::Kind::literal ? &args[i].text : nullptr;
}

std::optional<std::string> digest(std::string_view algorithm, const Args& a, std::string&) {
  return digest_hex(algorithm, a[0]);
}
std::optional<std::string> hmac(std::string_view algorithm, const Args& a, std::string&) {
  return hmac_hex(algorithm, a[0], a[1]);
}
std::optional<std::string> hmac_base64(std::string_view algorithm, const Args& a, std::string&) {
  auto raw = hmac_bytes(algorithm, a[0], a[1]);
  if (!raw) return std::nullopt;
  return base64_encode(*raw);
}

constexpr std::string_view kDefaultOffset = "+08:00";

std::optional<int> utc_offset(const std::string& text, std::string& error) {
  const auto offset = parse_fixed_utc_offset(text);
  if (!offset) error = "expected a UTC offset like +08:00, +0800, Z or UTC, got '" + text + "'";
  return offset;
}

std::optional<long> day_count(const std::string& text, std::string& error) {
  std::string_view digits = text;
  const bool negative = !digits.empty() && digits[0] == '-';
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) digits.remove_prefix(1);
  long n = 0;
  bool ok = !digits.empty() && digits.size() <= 5;
  for (char c : digits) {
    ok = ok && std::isdigit(static_cast<unsigned char>(c));
    if (ok) n = n * 10 + (c - '0');
  }
  if (!ok || n > 36600) {
    error = "expected a number of days like 0, -1 or +7 (at most 36600), got '" + text + "'";
    return std::nullopt;
  }
  return negative ? -n : n;
}

// The checks of now(FORMAT[, OFFSET]) and today(DAYS, FORMAT[, OFFSET]) on literal arguments.
// A signed duration such as -1h, +30m or 90s: how far from now now() formats.
std::optional<Duration> time_shift(std::string_view text, std::string& error) {
  const bool negative = !text.empty() && text.front() == '-';
  const std::string_view magnitude =
      !text.empty() && (text.front() == '-' || text.front() == '+') ? text.substr(1) : text;
  const auto d = parse_duration(magnitude);
  if (!d || *d > std::chrono::hours(24 * 400)) {
    error =
        "expected a shift like -1h, +30m or -7d (at most 400d), got '" + std::string(text) + "'";
    return std::nullopt;
  }
  return negative ? -*d : *d;
}

Check time_check(std::size_t format_at) {
  return [format_at](const std::vector<Node>& args, std::string& error) {
    if (format_at == 1 && literal(args, 0) && !day_count(*literal(args, 0), error)) return false;
    if (literal(args, format_at) && !check_time_format(*literal(args, format_at), error)) {
      return false;
    }
    if (literal(args, format_at + 1) && !utc_offset(*literal(args, format_at + 1), error)) {
      return false;
    }
    if (format_at == 0 && literal(args, 2) && !time_shift(*literal(args, 2), error)) return false;
    return true;
  };
}

std::optional<std::string> now_function(const Args& a, const Context& c, std::string& e) {
  const auto offset = utc_offset(a.size() > 1 ? a[1] : std::string(kDefaultOffset), e);
  if (!offset) return std::nullopt;
  const auto shift = a.size() > 2 ? time_shift(a[2], e) : std::optional<Duration>(Duration(0));
  if (!shift) return std::nullopt;
  return format_time(c.now + *shift, a[0], *offset, e);
}

std::optional<std::string> today_function(const Args& a, const Context& c, std::string& e) {
  using namespace std::chrono;
  const auto shift = day_count(a[0], e);
  const auto offset =
      shift ? utc_offset(a.size() > 2 ? a[2] : std::string(kDefaultOffset), e) : std::nullopt;
  if (!offset) return std::nullopt;
  // Midnight at the offset of the local date `days` away from now's.
  const auto local = floor<seconds>(c.now.time_since_epoch()) + minutes(*offset);
  const auto midnight =
      floor<std::chrono::days>(local) + std::chrono::days(*shift) - minutes(*offset);
  return format_time(system_clock::time_point(midnight), a[1], *offset, e);
}

// Modulus and exponent decoded from `encoding` (hex: an odd count of digits is read with a
// leading 0, as JavaScript's BigInteger.toString(16) writes 65537 as "10001").
std::optional<std::string> key_number(const std::string& text, bool hex, std::string_view what,
                                      std::string& error) {
  std::optional<std::string> bytes;
  if (hex) {
    bytes = hex_decode(text.size() % 2 ? "0" + text : text);
  } else {
    bytes = base64_decode(text);
  }
  if (!bytes || bytes->empty()) {
    error = "the RSA " + std::string(what) + " is not " + (hex ? "hex" : "base64");
    return std::nullopt;
  }
  return bytes;
}

std::optional<std::string> rsa_numbers(const Args& a, bool hex, std::string& e) {
  const auto n = key_number(a[1], hex, "modulus", e);
  const auto x = n ? key_number(a[2], hex, "exponent", e) : std::nullopt;
  if (!x) return std::nullopt;
  auto out = rsa_pkcs1_encrypt(a[0], *n, *x, e);
  if (!out) return std::nullopt;
  return hex ? hex_encode(*out) : base64_encode(*out);
}

// A key written as literals is tried once when the template is parsed.
Check rsa_check(bool hex) {
  return [hex](const std::vector<Node>& args, std::string& error) {
    if (!literal(args, 1) || !literal(args, 2)) return true;
    return bool(rsa_numbers({"", *literal(args, 1), *literal(args, 2)}, hex, error));
  };
}

const std::vector<Function>& functions() {
  static const std::vector<Function> table = {
      {"urlencode", 1, 1, pure([](const Args& a, std::string&) { return url_encode(a[0]); })},
      {"base64", 1, 1, pure([](const Args& a, std::string&) { return base64_encode(a[0]); })},
      {"base64_decode", 1, 1, pure([](const Args& a, std::string& e) {
         auto out = base64_decode(a[0]);
         if (!out) e = "not base64";
         return out;
       })},
      {"hex", 1, 1, pure([](const Args& a, std::string&) { return hex_encode(a[0]); })},
      {"srun_xencode", 2, 2,
       pure([](const Args& a, std::string&) { return std::optional(srun_xencode(a[0], a[1])); })},
      {"base64_alphabet", 2, 2,
       pure([](const Args& a, std::string& e) { return base64_alphabet(a[0], a[1], e); })},
      {"json_string", 1, 1,
       pure([](const Args& a, std::string&) { return std::optional(json_string_body(a[0])); })},
      {"hex_decode", 1, 1, pure([](const Args& a, std::string& e) {
         auto out = hex_decode(a[0]);
         if (!out) e = "not an even number of hex digits";
         return out;
       })},
      {"md5", 1, 1, pure([](const Args& a, std::string& e) { return digest("md5", a, e); })},
      {"sha1", 1, 1, pure([](const Args& a, std::string& e) { return digest("sha1", a, e); })},
      {"sha256", 1, 1, pure([](const Args& a, std::string& e) { return digest("sha256", a, e); })},
      {"hmac_md5", 2, 2, pure([](const Args& a, std::string& e) { return hmac("md5", a, e); })},
      {"hmac_sha1", 2, 2, pure([](const Args& a, std::string& e) { return hmac("sha1", a, e); })},
      {"hmac_sha256", 2, 2,
       pure([](const Args& a, std::string& e) { return hmac("sha256", a, e); })},
      {"hmac_md5_base64", 2, 2,
       pure([](const Args& a, std::string& e) { return hmac_base64("md5", a, e); })},
      {"hmac_sha1_base64", 2, 2,
       pure([](const Args& a, std::string& e) { return hmac_base64("sha1", a, e); })},
      {"hmac_sha256_base64", 2, 2,
       pure([](const Args& a, std::string& e) { return hmac_base64("sha256", a, e); })},
      {"aes_cbc_base64", 3, 3,
       pure([](const Args& a, std::string& e) { return aes_cbc_base64(a[0], a[1], a[2], e); })},
      {"rsa_pkcs1_base64", 3, 3,
       pure([](const Args& a, std::string& e) { return rsa_numbers(a, false, e); }),
       rsa_check(false)},
      {"rsa_pkcs1_hex", 3, 3,
       pure([](const Args& a, std::string& e) { return rsa_numbers(a, true, e); }),
       rsa_check(true)},
      {"rsa_pkcs1_base64_pem", 2, 2,
       pure([](const Args& a, std::string& e) -> std::optional<std::string> {
         auto out = rsa_pkcs1_encrypt_pem(a[0], a[1], e);
         if (!out) return std::nullopt;
         return base64_encode(*out);
       }),
       [](const std::vector<Node>& args, std::string& error) {
         return !literal(args, 1) || bool(rsa_pkcs1_encrypt_pem("", *literal(args, 1), error));
       }},
      {"now", 1, 3, now_function, time_check(0)},
      {"today", 2, 3, today_function, time_check(1)},
      {"epoch_seconds", 0, 0,
       [](const Args&, const Context& c, std::string&) -> std::optional<std::string> {
         using namespace std::chrono;
         return std::to_string(floor<seconds>(c.now.time_since_epoch()).count());
       }},
      {"epoch_millis", 0, 0,
       [](const Args&, const Context& c, std::string&) -> std::optional<std::string> {
         using namespace std::chrono;
         return std::to_string(floor<milliseconds>(c.now.time_since_epoch()).count());
       }},
      {"random", 1, 1, pure([](const Args& a, std::string& e) -> std::optional<std::string> {
         std::size_t n = 0;
         for (char c : a[0]) {
           if (!std::isdigit(static_cast<unsigned char>(c)) || n > 4096) {
             e = "random() takes a length from 1 to 4096";
             return std::nullopt;
           }
           n = n * 10 + std::size_t(c - '0');
         }
         if (n == 0 || n > 4096) {
           e = "random() takes a length from 1 to 4096";
           return std::nullopt;
         }
         return random_string(n);
       })},
      {"concat", 1, 16, pure([](const Args& a, std::string&) {
         std::string out;
         for (const auto& part : a)
           out += part;
         return std::optional(out);
       })},
      {"lower", 1, 1, pure([](const Args& a, std::string&) {
         std::string out = a[0];
         for (auto& c : out)
           c = char(std::tolower(static_cast<unsigned char>(c)));
         return std::optional(out);
       })},
      {"upper", 1, 1, pure([](const Args& a, std::string&) {
         std::string out = a[0];
         for (auto& c : out)
           c = char(std::toupper(static_cast<unsigned char>(c)));
         return std::optional(out);
       })},
  };
  return table;
}

const Function* function_named(std::string_view name) {
  for (const auto& f : functions()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string function_names() {
  std::string out;
  for (const auto& f : functions())
    out += (out.empty() ? "" : ", ") + std::string(f.name);
  return out;
}

// Recursive descent over one placeholder's expression.
class ExpressionParser {
 public:
  explicit ExpressionParser(std::string_view text) : text_(text) {}

  std::optional<Node> parse_all(std::string& error) {
    auto node = expression(error);
    if (!node) return std::nullopt;
    skip_space();
    if (pos_ != text_.size()) {
      error = "unexpected '" + std::string(1, text_[pos_]) + "' in ${" + std::string(text_) + "}";
      return std::nullopt;
    }
    return node;
  }

 private:
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_])))
      ++pos_;
  }
  static bool name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  }

  std::optional<Node> expression(std::string& error) {
    skip_space();
    if (pos_ >= text_.size()) {
      error = "empty expression in ${" + std::string(text_) + "}";
      return std::nullopt;
    }
    const char c = text_[pos_];
    if (c == '\'' || c == '"') return quoted(c, error);
    const std::size_t start = pos_;
    if (c == '+') ++pos_;  // a signed number; '-' is a name character anyway
    while (pos_ < text_.size() && name_char(text_[pos_]))
      ++pos_;
    if (pos_ == start) {
      error = "unexpected '" + std::string(1, c) + "' in ${" + std::string(text_) + "}";
      return std::nullopt;
    }
    Node node;
    node.text = std::string(text_.substr(start, pos_ - start));
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == '(') {
      ++pos_;
      return call(std::move(node), error);
    }
    const std::size_t sign = node.text[0] == '+' || node.text[0] == '-' ? 1 : 0;
    const bool number = node.text.size() > sign &&
                        std::all_of(node.text.begin() + long(sign), node.text.end(), [](char d) {
                          return std::isdigit(static_cast<unsigned char>(d));
                        });
    if (!number && c == '+') {
      error = "unexpected '+' in ${" + std::string(text_) + "}";
      return std::nullopt;
    }
    node.kind = number ? Node::Kind::literal : Node::Kind::variable;
    return node;
  }

  std::optional<Node> quoted(char quote, std::string& error) {
    ++pos_;
    Node node;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
      node.text += text_[pos_++];
    }
    if (pos_ >= text_.size()) {
      error = "unterminated string in ${" + std::string(text_) + "}";
      return std::nullopt;
    }
    ++pos_;
    return node;
  }

  std::optional<Node> call(Node node, std::string& error) {
    const Function* f = function_named(node.text);
    if (!f) {
      error = "unknown function " + node.text + "() (known: " + function_names() + ")";
      return std::nullopt;
    }
    node.kind = Node::Kind::call;
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == ')') {
      ++pos_;
    } else {
      while (true) {
        auto arg = expression(error);
        if (!arg) return std::nullopt;
        node.args.push_back(std::move(*arg));
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (pos_ < text_.size() && text_[pos_] == ')') {
          ++pos_;
          break;
        }
        error = "expected ',' or ')' in ${" + std::string(text_) + "}";
        return std::nullopt;
      }
    }
    if (node.args.size() < f->min_args || node.args.size() > f->max_args) {
      error = node.text + "() takes " +
              (f->min_args == f->max_args
                   ? std::to_string(f->min_args)
                   : std::to_string(f->min_args) + " to " + std::to_string(f->max_args)) +
              " argument(s), got " + std::to_string(node.args.size());
      return std::nullopt;
    }
    if (f->check && !f->check(node.args, error)) {
      error = node.text + "(): " + error;
      return std::nullopt;
    }
    return node;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

void collect_references(const Node& node, std::vector<std::string>& out) {
  if (node.kind == Node::Kind::variable) out.push_back(node.text);
  for (const auto& arg : node.args)
    collect_references(arg, out);
}

std::optional<Value> evaluate(const Node& node, const Variables& variables, const Context& context,
                              std::string& error) {
  switch (node.kind) {
    case Node::Kind::literal:
      return Value{node.text, false, {}};
    case Node::Kind::variable: {
      const Value* v = variables.find(node.text);
      if (!v) {
        error = "${" + node.text + "} is not set";
        return std::nullopt;
      }
      return *v;
    }
    case Node::Kind::call: {
      Args args;
      bool sensitive = false;
      for (const auto& arg : node.args) {
        auto v = evaluate(arg, variables, context, error);
        if (!v) return std::nullopt;
        sensitive = sensitive || v->sensitive;
        args.push_back(std::move(v->text));
      }
      const Function* f = function_named(node.text);
      auto out = f->apply(args, context, error);
      if (!out) {
        if (error.empty()) error = node.text + "() failed";
        error = node.text + "(): " + error;
        return std::nullopt;
      }
      return Value{std::move(*out), sensitive, {}};
    }
  }
  return std::nullopt;
}

}  // namespace

void Variables::set(std::string name, std::string text, bool sensitive) {
  values_[std::move(name)] = Value{std::move(text), sensitive, {}};
}

const Variables::Value* Variables::find(std::string_view name) const {
  const auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

std::vector<std::string> Variables::sensitive_values() const {
  std::vector<std::string> out;
  for (const auto& [name, value] : values_) {
    if (value.sensitive && !value.text.empty()) out.push_back(value.text);
  }
  return out;
}

Template::Template() = default;
Template::~Template() = default;
Template::Template(const Template&) = default;
Template& Template::operator=(const Template&) = default;
Template::Template(Template&&) noexcept = default;
Template& Template::operator=(Template&&) noexcept = default;

std::optional<Template> Template::parse(std::string_view text, std::string& error) {
  Template t;
  t.source_ = std::string(text);
  std::string literal;
  auto flush = [&] {
    if (literal.empty()) return;
    auto node = std::make_shared<Node>();
    node->text = std::move(literal);
    t.parts_.push_back(std::move(node));
    literal.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '$') {
      literal += '$';  // "$$" is a literal dollar
      ++i;
      continue;
    }
    if (text[i] != '$' || i + 1 >= text.size() || text[i + 1] != '{') {
      literal += text[i];
      continue;
    }
    // Find the matching '}', skipping quoted strings.
    std::size_t end = i + 2;
    char quote = 0;
    for (; end < text.size(); ++end) {
      const char c = text[end];
      if (quote) {
        if (c == '\\')
          ++end;
        else if (c == quote)
          quote = 0;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '}') {
        break;
      }
    }
    if (end >= text.size()) {
      error = "unterminated ${ in \"" + std::string(text) + "\"";
      return std::nullopt;
    }
    ExpressionParser parser(text.substr(i + 2, end - i - 2));
    auto node = parser.parse_all(error);
    if (!node) return std::nullopt;
    flush();
    t.parts_.push_back(std::make_shared<Node>(std::move(*node)));
    i = end;
  }
  flush();
  return t;
}

std::vector<std::string> Template::references() const {
  std::vector<std::string> out;
  for (const auto& part : parts_)
    collect_references(*part, out);
  return out;
}

bool Template::is_literal() const {
  return std::all_of(parts_.begin(), parts_.end(),
                     [](const auto& p) { return p->kind == Node::Kind::literal; });
}

std::optional<Variables::Value> Template::expand(const Variables& variables,
                                                 std::string& error) const {
  Value out;
  const Context context{variables.now()};
  for (const auto& part : parts_) {
    auto v = evaluate(*part, variables, context, error);
    if (!v) return std::nullopt;
    if (v->sensitive) out.sensitive_parts.push_back(v->text);
    out.text += v->text;
    out.sensitive = out.sensitive || v->sensitive;
  }
  return out;
}

}  // namespace campus
