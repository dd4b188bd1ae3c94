// PII scrubber: removes personal data and secrets from free text before it is stored. Each finding
// becomes `[REDACTED_<TYPE>]`:
//   EMAIL   e-mail addresses
//   PHONE   phone numbers, national (grouped) and international (+CC) formats
//   SSN     US social security numbers (123-45-6789)
//   CARD    card numbers of the major networks' prefixes that pass the Luhn check
//   IPV4    IPv4 addresses; IPV6 IPv6 addresses (one "::" or all eight groups)
//   JWT     JSON Web Tokens; BEARER the token after "Bearer "
//   PARAM   the value of a query parameter with a secret name (privacy.secret_params)
// It leaves alone what only looks like them: timestamps, durations, versions (2.4.1), dates,
// times (12:30:45), trace and span ids, hex colours. JSON text stays valid JSON: no finding
// spans a quote or a backslash.
//
// The agent scrubs the same kinds before sending (agent/src/core/scrubber.js); this is the
// collector's guarantee for agents that don't. Patterns are RE2 regular expressions, with the
// boundary and validity checks RE2 cannot express done in code; a first pass over the text finds
// which kinds can occur (a phone needs a run of seven digits, an IPv4 address three dots between
// digits...) so that only their expressions run. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace re2 {
class RE2;
}  // namespace re2

namespace sightline {

enum class PiiType : uint8_t { kParam, kJwt, kBearer, kEmail, kSsn, kCard, kIpv4, kIpv6, kPhone };
inline constexpr size_t kPiiTypes = 9;

// "EMAIL", "PHONE", ...: the <TYPE> of the placeholder.
std::string_view PiiTypeName(PiiType type);

using PiiCounts = std::array<uint64_t, kPiiTypes>;  // findings per PiiType

class PiiScrubber {
 public:
  explicit PiiScrubber(const std::vector<std::string>& secret_params);
  ~PiiScrubber();
  PiiScrubber(const PiiScrubber&) = delete;
  PiiScrubber& operator=(const PiiScrubber&) = delete;

  // Whether every pattern compiled (they are constants: a unit test checks it).
  bool ok() const;

  // Redacts `text` in place and adds what it found to `counts`; returns whether it changed.
  bool Scrub(std::string* text, PiiCounts* counts) const;

 private:
  // The PARAM kind, by hand: name=value after ?, &, ;, # or a space, the name in secret_params_.
  uint64_t ScrubParams(std::string* text) const;

  std::unordered_set<std::string> secret_params_;  // lower case
  std::unique_ptr<re2::RE2> jwt_, bearer_, email_, ssn_, card_, ipv4_, ipv6_, phone_,
      phone_international_;
};

}  // namespace sightline
