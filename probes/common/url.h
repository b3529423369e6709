#pragma once
// URL arithmetic for multi-step web logins, through libcurl's URL parser.

#include <optional>
#include <string>
#include <string_view>

namespace campus {

/// Resolves `reference` (absolute, absolute-path, relative, or "#"/empty for the page itself)
/// against `base`.
std::string resolve_url(std::string_view base, std::string_view reference);

/// The decoded value of query parameter `name` in `url`, if present.
std::optional<std::string> query_parameter(std::string_view url, std::string_view name);

/// `url` with `name=value` (value URL-encoded) added to its query.
std::string with_query_parameter(std::string_view url, std::string_view name,
                                 std::string_view value);

}  // namespace campus
