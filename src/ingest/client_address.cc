#include "ingest/client_address.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "common/strings.h"

namespace sightline {
namespace {

namespace ip = boost::asio::ip;

// IPv4 addresses as IPv4-mapped IPv6, so that one comparison covers both families.
std::array<unsigned char, 16> Mapped(const ip::address& address) {
  if (address.is_v4()) return ip::make_address_v6(ip::v4_mapped, address.to_v4()).to_bytes();
  return address.to_v6().to_bytes();
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> Split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  while (!text.empty()) {
    size_t at = text.find(sep);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) break;
    text.remove_prefix(at + 1);
  }
  return parts;
}

// One hop of X-Forwarded-For ("203.0.113.7", "[2001:db8::1]:443", "203.0.113.7:5000") or of a
// Forwarded element's `for=` value (quoted, "_hidden" and "unknown" are not addresses).
bool ParseHop(std::string_view hop, ip::address* out) {
  hop = Trim(hop);
  if (hop.size() >= 2 && hop.front() == '"' && hop.back() == '"')
    hop = hop.substr(1, hop.size() - 2);
  if (!hop.empty() && hop.front() == '[') {
    size_t close = hop.find(']');
    if (close == std::string_view::npos) return false;
    hop = hop.substr(1, close - 1);
  } else if (std::count(hop.begin(), hop.end(), ':') == 1) {
    hop = hop.substr(0, hop.find(':'));  // IPv4 with a port
  }
  boost::system::error_code ec;
  *out = ip::make_address(std::string(hop), ec);
  return !ec;
}

}  // namespace

ip::address AddressFromBytes(std::string_view bytes) {
  if (bytes.size() == 4) {
    ip::address_v4::bytes_type b;
    std::memcpy(b.data(), bytes.data(), 4);
    return ip::address_v4(b);
  }
  ip::address_v6::bytes_type b{};
  std::memcpy(b.data(), bytes.data(), std::min(bytes.size(), b.size()));
  return ip::address_v6(b);
}

std::string_view ClientBytesOf(const TrustedProxies& proxies, std::string_view peer,
                               std::string_view x_forwarded_for, std::string_view forwarded,
                               std::string* scratch) {
  if (proxies.empty()) return peer;
  ip::address peer_address = AddressFromBytes(peer);
  if (!proxies.Contains(peer_address)) return peer;
  ip::address client = proxies.ClientOf(peer_address, x_forwarded_for, forwarded);
  if (client.is_v4()) {
    auto bytes = client.to_v4().to_bytes();
    scratch->assign(bytes.begin(), bytes.end());
  } else {
    auto bytes = client.to_v6().to_bytes();
    scratch->assign(bytes.begin(), bytes.end());
  }
  return *scratch;
}

Result<TrustedProxies> TrustedProxies::Parse(const std::vector<std::string>& cidrs) {
  TrustedProxies proxies;
  for (const std::string& cidr : cidrs) {
    auto bad = [&] {
      return Status::InvalidArgument("server.trusted_proxies: \"" + cidr +
                                     "\" is not an address or ADDRESS/PREFIX");
    };
    size_t slash = cidr.find('/');
    boost::system::error_code ec;
    ip::address address = ip::make_address(cidr.substr(0, slash), ec);
    if (ec) return bad();
    unsigned max_bits = address.is_v4() ? 32 : 128;
    unsigned bits = max_bits;
    if (slash != std::string::npos) {
      std::string_view text(cidr.data() + slash + 1, cidr.size() - slash - 1);
      auto res = std::from_chars(text.data(), text.data() + text.size(), bits);
      if (res.ec != std::errc() || res.ptr != text.data() + text.size() || bits > max_bits) {
        return bad();
      }
    }
    proxies.networks_.push_back({Mapped(address), bits + (128 - max_bits)});
  }
  return proxies;
}

bool TrustedProxies::Contains(const ip::address& address) const {
  std::array<unsigned char, 16> bytes = Mapped(address);
  for (const Network& net : networks_) {
    unsigned full = net.prefix / 8, rest = net.prefix % 8;
    if (std::memcmp(bytes.data(), net.bytes.data(), full) != 0) continue;
    unsigned char mask = static_cast<unsigned char>(0xFF << (8 - rest));
    if (rest == 0 || (bytes[full] & mask) == (net.bytes[full] & mask)) return true;
  }
  return false;
}

ip::address TrustedProxies::ClientOf(const ip::address& peer, std::string_view x_forwarded_for,
                                     std::string_view forwarded) const {
  if (networks_.empty() || !Contains(peer)) return peer;
  // The hops, nearest last: X-Forwarded-For's list, else the `for=` of each Forwarded element.
  std::vector<std::string_view> hops;
  if (!x_forwarded_for.empty()) {
    for (std::string_view hop : Split(x_forwarded_for, ',')) hops.push_back(hop);
  } else {
    for (std::string_view element : Split(forwarded, ',')) {
      for (std::string_view pair : Split(element, ';')) {
        pair = Trim(pair);
        if (pair.size() > 4 && EqualsIgnoreCase(pair.substr(0, 4), "for=")) {
          hops.push_back(pair.substr(4));
        }
      }
    }
  }
  ip::address client = peer;
  for (auto hop = hops.rbegin(); hop != hops.rend(); ++hop) {
    ip::address address;
    if (!ParseHop(*hop, &address)) break;  // garbage or an obfuscated hop: stop at what we know
    client = address;
    if (!Contains(address)) break;
  }
  return client;
}

}  // namespace sightline
