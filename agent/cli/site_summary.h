#pragma once
// check-config's view of a campus with several sites: for each site, how many checks run there
// and which indicators its agent covers, per edition.

#include <ostream>
#include <string_view>

#include "catalog/catalog.h"
#include "config/config.h"

namespace campus {

/// One block per site (the config's `sites:`, or else the sites its checks and agent.site
/// name): `site NAME (labels): N checks`, then per edition `  higher 4/61: H-..., ...`.
/// Prints nothing for a config that knows no site. With `only`, that site alone.
void print_site_summary(const Config& config, const Catalog& catalog, std::ostream& out,
                        std::string_view only = {});

}  // namespace campus
