#include "evidence/canonical_line.h"

#include <charconv>
#include <cmath>
#include <vector>

#include <nlohmann/json.hpp>

namespace campus {
namespace {

// A validating scanner that accepts only the canonical form: it answers "is this exactly what
// nlohmann::json::dump() would write for what it parses to?" one byte at a time.
class CanonicalScanner {
 public:
  explicit CanonicalScanner(std::string_view text) : s_(text) {}

  bool at_end() const { return i_ == s_.size(); }
  std::size_t position() const { return i_; }
  bool peek(char c) const { return i_ < s_.size() && s_[i_] == c; }
  bool take(char c) {
    if (!peek(c)) return false;
    ++i_;
    return true;
  }

  // A string; `raw` is its content between the quotes, `escaped` whether it holds escapes.
  bool string(std::string_view& raw, bool& escaped) {
    if (!take('"')) return false;
    const std::size_t start = i_;
    escaped = false;
    while (i_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        raw = s_.substr(start, i_ - start);
        ++i_;
        return true;
      }
      if (c < 0x20) return false;  // a control character must be escaped
      if (c == '\\') {
        escaped = true;
        if (!escape()) return false;
      } else if (c < 0x80) {
        ++i_;
      } else if (!utf8()) {
        return false;
      }
    }
    return false;
  }

  bool value(int depth) {
    if (i_ >= s_.size() || depth > 64) return false;
    switch (s_[i_]) {
      case '{':
        return object(depth);
      case '[':
        return array(depth);
      case '"': {
        std::string_view raw;
        bool escaped = false;
        return string(raw, escaped);
      }
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default:
        return number();
    }
  }

  bool object(int depth) {
    if (!take('{')) return false;
    if (take('}')) return true;
    std::string_view previous_key;
    bool first = true;
    do {
      std::string_view key;
      bool escaped = false;
      // A key with escapes would need unescaping to be ordered; leave it to the full parser.
      if (!string(key, escaped) || escaped) return false;
      if (!first && !(previous_key < key)) return false;  // sorted, no duplicates
      previous_key = key;
      first = false;
      if (!take(':') || !value(depth + 1)) return false;
    } while (take(','));
    return take('}');
  }

  // An integer member value (seq, records): canonical, non-negative, fits in 64 bits.
  static std::optional<std::uint64_t> unsigned_integer(std::string_view token) {
    std::uint64_t n = 0;
    const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), n);
    if (error != std::errc() || end != token.data() + token.size()) return std::nullopt;
    return n;
  }

  bool number() {
    const std::size_t start = i_;
    take('-');
    if (take('0')) {
    } else if (digits() == 0) {
      return false;
    }
    bool integer = true;
    if (take('.')) {
      integer = false;
      if (digits() == 0) return false;
    }
    if (peek('e') || peek('E')) {
      integer = false;
      ++i_;
      if (!take('+')) take('-');
      if (digits() == 0) return false;
    }
    const std::string_view token = s_.substr(start, i_ - start);
    if (integer) {
      // nlohmann::json keeps up to 64-bit integers as integers; larger ones become doubles, and
      // "-0" becomes 0: leave those to the full parser.
      if (token == "-0") return false;
      return token[0] == '-' ? fits<std::int64_t>(token) : fits<std::uint64_t>(token);
    }
    double d = 0;
    const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), d);
    if (error != std::errc() || end != token.data() + token.size() || !std::isfinite(d)) {
      return false;
    }
    return nlohmann::json(d).dump() == token;
  }

 private:
  bool array(int depth) {
    if (!take('[')) return false;
    if (take(']')) return true;
    do {
      if (!value(depth + 1)) return false;
    } while (take(','));
    return take(']');
  }

  template <typename Integer>
  static bool fits(std::string_view token) {
    Integer n = 0;
    return std::from_chars(token.data(), token.data() + token.size(), n).ec == std::errc();
  }

  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  std::size_t digits() {
    const std::size_t start = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9')
      ++i_;
    return i_ - start;
  }

  static bool hex(char c, int& v) {
    if (c >= '0' && c <= '9')
      v = c - '0';
    else if (c >= 'a' && c <= 'f')
      v = c - 'a' + 10;
    else
      return false;  // the canonical form writes lowercase hex
    return true;
  }

  // The escapes the canonical form uses: \" \\ \b \f \n \r \t, and \u00xx for the other
  // control characters only.
  bool escape() {
    if (i_ + 1 >= s_.size()) return false;
    const char e = s_[i_ + 1];
    if (e == '"' || e == '\\' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
      i_ += 2;
      return true;
    }
    if (e != 'u' || i_ + 6 > s_.size() || s_[i_ + 2] != '0' || s_[i_ + 3] != '0') return false;
    int high = 0;
    int low = 0;
    if (!hex(s_[i_ + 4], high) || !hex(s_[i_ + 5], low)) return false;
    const int code = high * 16 + low;
    if (code >= 0x20 || code == 0x08 || code == 0x09 || code == 0x0a || code == 0x0c ||
        code == 0x0d) {
      return false;
    }
    i_ += 6;
    return true;
  }

  // One well-formed UTF-8 sequence (Unicode table 3-7: no overlongs, no surrogates).
  bool utf8() {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s_[i_ + k]); };
    const unsigned char c = byte(0);
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      length = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      length = 3;
      if (c == 0xe0) low = 0xa0;
      if (c == 0xed) high = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      length = 4;
      if (c == 0xf0) low = 0x90;
      if (c == 0xf4) high = 0x8f;
    } else {
      return false;
    }
    if (i_ + length > s_.size()) return false;
    if (byte(1) < low || byte(1) > high) return false;
    for (std::size_t k = 2; k < length; ++k) {
      if (byte(k) < 0x80 || byte(k) > 0xbf) return false;
    }
    i_ += length;
    return true;
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace

std::optional<CanonicalLine> read_canonical_line(std::string_view line) {
  CanonicalScanner scan(line);
  CanonicalLine out;
  // The members other than hash and mac, as [begin, end) spans of the line.
  std::vector<std::pair<std::size_t, std::size_t>> kept;
  kept.reserve(16);
  bool has_hash = false;
  bool has_seq = false;
  if (!scan.take('{') || scan.take('}')) return std::nullopt;
  std::string_view previous_key;
  bool first = true;
  do {
    const std::size_t begin = scan.position();
    std::string_view key;
    bool escaped = false;
    if (!scan.string(key, escaped) || escaped) return std::nullopt;
    if (!first && !(previous_key < key)) return std::nullopt;
    previous_key = key;
    first = false;
    if (!scan.take(':')) return std::nullopt;
    const std::size_t value_begin = scan.position();
    // A string member the chain walk reads: no escapes (ids, hex digests, times never have any).
    const auto text = [&](std::string_view& into) {
      bool has_escapes = false;
      return scan.string(into, has_escapes) && !has_escapes;
    };
    if (key == "hash") {
      if (!text(out.hash)) return std::nullopt;
      has_hash = true;
      continue;
    }
    if (key == "mac" || key == "sig") {
      std::string_view value;
      if (!text(value)) return std::nullopt;
      (key == "mac" ? out.mac : out.sig) = value;
      continue;
    }
    bool ok = true;
    if (key == "type")
      ok = text(out.type);
    else if (key == "prev")
      ok = text(out.prev);
    else if (key == "time")
      ok = text(out.time);
    else if (key == "segment")
      ok = text(out.segment);
    else if (key == "last")
      ok = text(out.last);
    else if (key == "check")
      ok = text(out.check);
    else if (key == "seq" || key == "records") {
      if (!scan.number()) return std::nullopt;
      const auto n = CanonicalScanner::unsigned_integer(
          line.substr(value_begin, scan.position() - value_begin));
      if (!n) return std::nullopt;
      (key == "seq" ? out.seq : out.records) = *n;
      has_seq = has_seq || key == "seq";
    } else {
      ok = scan.value(1);
    }
    if (!ok) return std::nullopt;
    kept.emplace_back(begin, scan.position());
  } while (scan.take(','));
  if (!scan.take('}') || !scan.at_end() || !has_hash || !has_seq) return std::nullopt;
  out.canonical.reserve(line.size());
  out.canonical += '{';
  for (std::size_t k = 0; k < kept.size(); ++k) {
    if (k > 0) out.canonical += ',';
    out.canonical.append(line.substr(kept[k].first, kept[k].second - kept[k].first));
  }
  out.canonical += '}';
  return out;
}

}  // namespace campus
