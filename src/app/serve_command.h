// `sightline serve --config FILE [--listen HOST:PORT] [--data DIR]`: the collector, query API and
// dashboard in one process, on the embedded store. Prints "Sightline listening on URL" on stdout
// once it accepts connections; SIGTERM or SIGINT flushes the memtable and exits 0.
// Returns the process exit code (2 for a bad command line or configuration, 1 for a failure).
#pragma once

#include <string>
#include <vector>

namespace sightline {

int RunServe(const std::vector<std::string>& args);

}  // namespace sightline
