// Parsing of the time bounds the query API accepts.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sightline {

// Parses an ISO-8601 / RFC 3339 instant into epoch milliseconds: "2026-11-27",
// "2026-11-27T10:00:00Z", "2026-11-27T10:00:00.250+01:00", "2026-11-27 10:00"; a time without a
// zone is UTC. Also accepts plain epoch milliseconds ("1795000000000"). nullopt if malformed.
std::optional<int64_t> ParseTimestamp(std::string_view text);

// A duration written as a positive whole number and a unit: "5m", "1h", "1d" → milliseconds;
// 0 when malformed.
int64_t ParseDurationMs(std::string_view text);

}  // namespace sightline
