// `sightline query`: runs the query API's queries against a running server and prints a table
// (or the server's JSON with --json).
//
//   sightline query metrics|timeseries|distribution|coverage --server URL --token T --project P
//                   [--json] [key=value ...]
//
// Each key=value becomes a query parameter of GET /api/v1/<kind> (docs/query-api.md), e.g.
// name=LCP stats=p75,count group_by=release filter=device:mobile. Exit codes: 0 answered, 1 the
// server refused the query or could not be reached (its reason is printed), 2 usage.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace sightline {

int RunQuery(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace sightline
