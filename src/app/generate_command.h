// sightline generate: realistic stored events (the load generator's visits, grouped into
// sessions, with countries, errors and a business event) as newline-delimited JSON, for `sightline
// import` and for loading the same rows into another database (bench/query.sh).
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace sightline {

// Returns the process exit code: 0 done, 2 usage.
int RunGenerate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace sightline
