// sightline import: stored events from newline-delimited JSON straight into the embedded store,
// bypassing HTTP, the WAL and the memtable (the offline path for back-fills and benchmarks).
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace sightline {

// Returns the process exit code: 0 all rows imported, 1 some rows rejected (the others are
// imported) or the store failed, 2 usage.
int RunImport(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace sightline
