#include "daemon/access_policy.h"

#include <array>

namespace campus {

Role required_role(boost::beast::http::verb method, std::string_view path) {
  using boost::beast::http::verb;
  if (method != verb::get && method != verb::head) return Role::admin;
  static constexpr std::array<std::string_view, 9> kScraperPaths = {
      "/",          "/metrics", "/probe",      "/api/checks", "/api/indicators", "/api/failures",
      "/-/healthy", "/-/ready", "/favicon.ico"};
  for (const auto allowed : kScraperPaths) {
    if (path == allowed) return Role::scraper;
  }
  if (path.starts_with("/api/checks/")) return Role::scraper;
  return Role::admin;
}

}  // namespace campus
