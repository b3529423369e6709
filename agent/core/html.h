#pragma once
// HTML text for the pages the agent writes itself (status page, compliance report).

#include <string>
#include <string_view>

namespace campus {

/// `text` with &, <, >, " and ' escaped for HTML.
std::string html_escape(std::string_view text);

}  // namespace campus
