// `sightline loadgen`: drives a collector with realistic beacons and reports what came back.
//
//   sightline loadgen --target URL --key K --rate N --duration S [--connections C] [--seed X]
//                     [--origin O] [--ledger FILE]
//   sightline loadgen --print-beacon --key K      (one realistic beacon on stdout, for wrk)
//
// Returns the process exit code: 0 when the run completed, 2 for bad arguments, 1 when the target
// could not be reached at all.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace sightline {

int RunLoadgen(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace sightline
