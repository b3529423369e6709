#include "cli/recipes_command.h"

#include <sstream>

#include "core/text_width.h"

namespace campus {
namespace {

std::string joined(const std::vector<std::string>& items, const char* separator = ", ") {
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "" : separator) + item;
  return out;
}

// The recipe file's `check:` block as written, placeholders and all.
std::string check_block(const Recipe& recipe) {
  std::istringstream lines(recipe.text);
  std::string out;
  bool inside = false;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("check:", 0) == 0) {
      inside = true;
    } else if (inside && !line.empty() && line[0] != ' ' && line[0] != '#') {
      break;
    }
    if (inside) out += "  " + line + "\n";
  }
  return out;
}

// The start of `text` that fits in `columns` terminal columns, with "…" when cut.
std::string first_columns(std::string_view text, std::size_t columns) {
  if (display_width(text) <= columns) return std::string(text);
  std::size_t at = 0;
  std::size_t used = 0;
  while (at < text.size()) {
    const auto c = decode_utf8(text, at);
    const std::size_t length = c ? c->length : 1;
    const std::size_t width = display_width(text.substr(at, length));
    if (used + width > columns - 1) break;
    used += width;
    at += length;
  }
  return std::string(text.substr(0, at)) + "…";
}

void print_one(const Recipe& recipe, std::ostream& out) {
  out << recipe.name << " — " << recipe.summary << "\n\n";
  out << "system:      " << recipe.system << "\n";
  if (!recipe.products.empty()) out << "products:    " << joined(recipe.products, "; ") << "\n";
  out << "indicators:  " << joined(recipe.indicators) << "\n";
  out << "file:        " << recipe.file << "\n\nwith:\n";
  for (const auto& p : recipe.params) {
    out << "  " << p.name;
    if (p.default_value) {
      out << " (default " << (p.default_value->is_null() ? "none" : p.default_value->dump(true))
          << ")";
    } else {
      out << " (required)";
    }
    out << ": " << p.description << "\n";
  }
  if (!recipe.confirm.empty()) {
    out << "\nconfirm at your campus:\n";
    for (const auto& fact : recipe.confirm)
      out << "  - " << fact << "\n";
  }
  out << "\nexpands to:\n" << check_block(recipe);
}

}  // namespace

bool print_recipes(const RecipeBook& book, const std::string& name, std::ostream& out) {
  if (!name.empty()) {
    const Recipe* recipe = book.find(name);
    if (!recipe) return false;
    print_one(*recipe, out);
    return true;
  }
  std::size_t width = 0;
  for (const Recipe* r : book.all())
    width = std::max(width, r->name.size());
  for (const Recipe* r : book.all()) {
    out << pad_right(r->name, width + 2) << pad_right(r->system, 16)
        << first_columns(r->summary, 72) << "\n";
  }
  out << "\n" << book.all().size() << " recipes; campus-probe recipes NAME shows one in full\n";
  return true;
}

}  // namespace campus
