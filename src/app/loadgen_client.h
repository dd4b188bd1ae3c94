// The engine of `sightline loadgen`: C keep-alive HTTP/1.1 connections on one Boost.Asio thread,
// each POSTing generated beacons one at a time, paced together to a target rate.
//
// RunLoad blocks for about `duration_s` seconds, plus at most kGraceSeconds for requests still in
// flight, which are then abandoned and counted as errors. Pacing follows a global schedule (the
// k-th beacon is due at start + k / rate); a connection that is still waiting for its previous
// answer sends late rather than opening more requests, so a slow server shows as an achieved rate
// below the target. Latency is measured per request, from the first byte written to the last read.
//
// Connection failures (refused, reset, timeouts of kRequestTimeoutSeconds) are counted as errors
// and the connection is reopened, after 100 ms if the connect itself failed.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "app/latency_histogram.h"
#include "common/status.h"

namespace sightline {

inline constexpr int kGraceSeconds = 3;
inline constexpr int kRequestTimeoutSeconds = 10;

// An http:// URL split for a client. `path` defaults to /v1/beacon when the URL has none.
struct Target {
  std::string host;  // without IPv6 brackets
  std::string port;  // "80" when the URL names none
  std::string path;  // with the query string, if any
  std::string host_header;
};

// Parses "http://host[:port][/path]". Returns InvalidArgument for other schemes (https included:
// the load generator speaks plain HTTP) and for malformed URLs.
Result<Target> ParseTarget(std::string_view url);

struct LoadOptions {
  Target target;
  std::string key;
  std::string origin;  // sent as Origin when not empty, as a browser on that site would
  double rate = 0;     // beacons/s over all connections; 0: no pacing
  double duration_s = 10;
  int connections = 8;
  uint64_t seed = 1;
  // When not empty, a ledger of every beacon is appended to this file (created if missing), one
  // line per fact, each written to the OS at once so that it survives a kill -9 of either side:
  //   sent <session_id> <events>       before the request is written (it may reach the server)
  //   acked <session_id> <accepted>    the server answered 202 accepting <accepted> events
  // <session_id> is "-" for a beacon without one (minimal consent). A checker compares what the
  // store holds per session with what was acknowledged (tests/chaos).
  std::string ledger_path;
};

struct LoadReport {
  uint64_t sent = 0;                 // requests written completely
  uint64_t acknowledged = 0;         // answered 202
  std::map<int, uint64_t> rejected;  // other statuses → count
  uint64_t errors = 0;               // connect, write or read failures
  std::string first_error;           // the first failure's message, for the operator
  uint64_t connects = 0;             // successful connects
  uint64_t events_acknowledged = 0;  // events inside acknowledged beacons
  double elapsed_s = 0;              // from the start to the last answer (or the end of the run)
  LatencyHistogram latency_us;       // answered requests only
};

// Runs the load. Returns InvalidArgument when the target's host does not resolve, IOError when
// the ledger cannot be opened or written.
Result<LoadReport> RunLoad(const LoadOptions& options);

// The number of objects in the top-level "events" array of a beacon produced by BeaconGenerator
// (a scan, not a full parse: about 1 µs for a 2 KB beacon).
size_t CountEvents(std::string_view beacon);

// The value of the top-level "session_id" of a BeaconGenerator beacon, or "" without one.
std::string_view SessionIdOf(std::string_view beacon);

// The "accepted" count of a collector's 202 answer, or -1 when it has none.
int64_t AcceptedOf(std::string_view answer);

}  // namespace sightline
