// The dimensions the query API filters and groups by, mapped to stored columns.
//
// Names are part of the public API (docs/query-api.md): route, release, environment, service,
// tier (user tier), flag (any of the event's feature flags), connection (network effective type).
// Later stages add dimensions here (device, country, browser, ...) with the same mechanism.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "store/aggregate.h"

namespace sightline {

// Fills `dim` for an API dimension name; false for an unknown name.
bool LookupDimension(std::string_view name, DimensionRef* dim);
// The known names, for error messages ("route, release, ...").
std::string DimensionNames();

}  // namespace sightline
