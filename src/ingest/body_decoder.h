// Decoding of a request body by its Content-Encoding, with a cap on the decoded size.
//
// gzip is inflated in fixed-size steps and stopped as soon as the output would pass `max_bytes`, so
// a compression bomb costs at most max_bytes of memory and the time to inflate that much.
#pragma once

#include <string>
#include <string_view>

namespace sightline {

enum class DecodeOutcome { kOk, kUnsupportedEncoding, kTooLarge, kCorrupt };

// `encoding` is the Content-Encoding header ("", "identity" or "gzip"; case-insensitive).
// On kOk, `decoded` views the decoded body: `body` itself for identity, else `scratch`.
// Lifetime: `decoded` lives as long as both `body` and `scratch`.
DecodeOutcome DecodeBody(std::string_view encoding, std::string_view body, size_t max_bytes,
                         std::string* scratch, std::string_view* decoded);

}  // namespace sightline
