// Fuzz target: any bytes as the X-Forwarded-For and Forwarded headers of a request from a trusted
// proxy. Reading them must never crash or read out of bounds, and what a client writes in front of
// the hops the proxies added never changes who the client is.
#include <cstdint>
#include <string>
#include <string_view>

#include "ingest/client_address.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const sightline::TrustedProxies proxies =
      sightline::TrustedProxies::Parse({"127.0.0.1", "10.0.0.0/8", "2001:db8::/32"}).value();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // The first line is X-Forwarded-For, the rest Forwarded.
  size_t newline = input.find('\n');
  std::string_view xff = input.substr(0, newline);
  std::string_view forwarded = newline == std::string_view::npos ? "" : input.substr(newline + 1);
  const auto peer = boost::asio::ip::make_address("127.0.0.1");
  boost::asio::ip::address client = proxies.ClientOf(peer, xff, forwarded);
  if (!xff.empty() && !proxies.Contains(client)) {
    // The walk stopped at an untrusted hop: anything further left is the client's own writing.
    std::string spoofed = "203.0.113.66, " + std::string(xff);
    if (proxies.ClientOf(peer, spoofed, forwarded) != client) __builtin_trap();
  }
  // Trusted-proxy lists from outside text must fail cleanly too.
  auto parsed = sightline::TrustedProxies::Parse({std::string(xff)});
  if (parsed.ok()) (void)parsed->Contains(client);
  return 0;
}
