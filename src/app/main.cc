// sightline: the collector, store, query API and dashboard, and the CLI around them.
#include <iostream>
#include <string>
#include <vector>

#include "app/generate_command.h"
#include "app/import_command.h"
#include "app/loadgen.h"
#include "app/query_command.h"
#include "app/serve_command.h"
#include "app/sourcemaps_command.h"

namespace {

constexpr const char* kUsage =
    "usage: sightline <command> [options]\n"
    "\n"
    "commands:\n"
    "  serve     run the collector, query API and dashboard (sightline serve --help)\n"
    "  loadgen   send realistic beacons to a collector and report what came back\n"
    "  query     run a query API query against a server and print a table (sightline query)\n"
    "  import    load stored events from JSON lines straight into the store (sightline import -h)\n"
    "  generate  write realistic stored events as JSON lines (sightline generate -h)\n"
    "  sourcemaps upload  upload a build's source maps for a release (sightline sourcemaps -h)\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "serve") return sightline::RunServe(args);
  if (command == "loadgen") return sightline::RunLoadgen(args, std::cout, std::cerr);
  if (command == "query") return sightline::RunQuery(args, std::cout, std::cerr);
  if (command == "import") return sightline::RunImport(args, std::cout, std::cerr);
  if (command == "generate") return sightline::RunGenerate(args, std::cout, std::cerr);
  if (command == "sourcemaps") return sightline::RunSourceMaps(args, std::cout, std::cerr);
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kUsage;
    return 0;
  }
  std::cerr << "sightline: unknown command \"" << command << "\"\n" << kUsage;
  return 2;
}
