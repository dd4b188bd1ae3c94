#include "query/dimensions.h"

namespace sightline {
namespace {

struct DimensionDef {
  std::string_view name;
  ColumnId column;
  bool multi_valued;
};

constexpr DimensionDef kDimensions[] = {
    {"route", ColumnId::route, false},
    {"release", ColumnId::release, false},
    {"environment", ColumnId::environment, false},
    {"service", ColumnId::service, false},
    {"tier", ColumnId::tier, false},
    {"flag", ColumnId::flags, true},
    {"connection", ColumnId::connection, false},
    {"country", ColumnId::country, false},
    {"region", ColumnId::region, false},
    {"city", ColumnId::city, false},
    {"device", ColumnId::device, false},
    {"browser", ColumnId::browser, false},
    {"browser_version", ColumnId::browser_version, false},
    {"os", ColumnId::os, false},
    {"os_version", ColumnId::os_version, false},
};

}  // namespace

bool LookupDimension(std::string_view name, DimensionRef* dim) {
  for (const DimensionDef& def : kDimensions) {
    if (def.name == name) {
      *dim = {std::string(def.name), def.column, def.multi_valued};
      return true;
    }
  }
  return false;
}

std::string DimensionNames() {
  std::string out;
  for (const DimensionDef& def : kDimensions) {
    if (!out.empty()) out += ", ";
    out += def.name;
  }
  return out;
}

}  // namespace sightline
