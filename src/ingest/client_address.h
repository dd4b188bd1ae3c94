// The visitor's address: the peer's, or — when the peer is a trusted proxy — the address the proxy
// forwarded. X-Forwarded-For (and RFC 7239 `Forwarded: for=`) is read from the right, the hop
// nearest to us: trusted proxies are skipped and the first address that is not one of them is
// the client's. Addresses further left were written by the client itself and could be anything,
// so they are never used. Without a trusted peer the headers are ignored.
//
// The address is used in memory only (rate limiting, geo lookup) and never stored or logged.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "common/asio.h"
#include "common/status.h"

namespace sightline {

class TrustedProxies {
 public:
  // `cidrs`: "10.0.0.0/8", "192.0.2.7" (one address), "2001:db8::/32". Errors: InvalidArgument
  // naming the entry.
  static Result<TrustedProxies> Parse(const std::vector<std::string>& cidrs);

  bool empty() const { return networks_.empty(); }
  bool Contains(const boost::asio::ip::address& address) const;

  // The client's address for a request from `peer` with these header values (empty when absent).
  boost::asio::ip::address ClientOf(const boost::asio::ip::address& peer,
                                    std::string_view x_forwarded_for,
                                    std::string_view forwarded) const;

 private:
  struct Network {
    std::array<unsigned char, 16> bytes;  // IPv4 as IPv4-mapped IPv6
    unsigned prefix;                      // bits, of the 128
  };
  std::vector<Network> networks_;
};

// The address in `bytes` (4 bytes for IPv4, 16 for IPv6: HttpRequest::client).
boost::asio::ip::address AddressFromBytes(std::string_view bytes);

// The client's address bytes for a request from `peer` (address bytes): the peer itself unless
// it is a trusted proxy, else what its X-Forwarded-For / Forwarded headers name (written to
// `scratch`, which the result then views).
std::string_view ClientBytesOf(const TrustedProxies& proxies, std::string_view peer,
                               std::string_view x_forwarded_for, std::string_view forwarded,
                               std::string* scratch);

}  // namespace sightline
