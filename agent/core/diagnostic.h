#pragma once
// Errors in input files (catalogs, campus configs), gathered rather than thrown one at a time so
// that a user sees every problem of a file in one go.

#include <string>
#include <string_view>
#include <vector>

namespace campus {

/// One problem in an input file. `line` and `column` are 1-based; 0 means "not known".
struct Diagnostic {
  std::string file;
  int line = 0;
  int column = 0;
  std::string path;  ///< key path inside the document, e.g. `checks[3].params.valid_status`
  std::string message;

  /// `file:line:column: path: message`, omitting what is unknown.
  std::string str() const;
};

/// An ordered list of problems. Not thread-safe; one per load.
class Diagnostics {
 public:
  void add(Diagnostic d) { items_.push_back(std::move(d)); }
  void error(std::string_view file, int line, int column, std::string_view path,
             std::string_view message);

  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  const std::vector<Diagnostic>& items() const { return items_; }
  void append(const Diagnostics& other);

  /// All problems, one per line.
  std::string str() const;

 private:
  std::vector<Diagnostic> items_;
};

}  // namespace campus
