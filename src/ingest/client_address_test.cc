#include "ingest/client_address.h"

#include <gtest/gtest.h>

namespace sightline {
namespace {

boost::asio::ip::address Ip(const char* text) { return boost::asio::ip::make_address(text); }

TrustedProxies Proxies(std::vector<std::string> cidrs) {
  auto parsed = TrustedProxies::Parse(cidrs);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return parsed.ok() ? *parsed : TrustedProxies();
}

TEST(TrustedProxies, MatchesAddressesAndNetworksOfBothFamilies) {
  TrustedProxies p = Proxies({"10.0.0.0/8", "192.0.2.7", "2001:db8::/32", "172.16.0.0/12"});
  EXPECT_TRUE(p.Contains(Ip("10.200.3.4")));
  EXPECT_TRUE(p.Contains(Ip("::ffff:10.1.1.1")));  // a dual-stack socket's IPv4 peer
  EXPECT_TRUE(p.Contains(Ip("192.0.2.7")));
  EXPECT_FALSE(p.Contains(Ip("192.0.2.8")));
  EXPECT_TRUE(p.Contains(Ip("172.31.255.255")));
  EXPECT_FALSE(p.Contains(Ip("172.32.0.1")));
  EXPECT_TRUE(p.Contains(Ip("2001:db8:1::5")));
  EXPECT_FALSE(p.Contains(Ip("2001:db9::5")));
  EXPECT_FALSE(p.Contains(Ip("11.0.0.1")));
}

TEST(TrustedProxies, RejectsMalformedEntries) {
  for (const char* bad : {"10.0.0.0/33", "nonsense", "10.0.0.0/", "2001:db8::/129", "1.2.3.4/x"}) {
    auto parsed = TrustedProxies::Parse({bad});
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(parsed.status().ToString().find(bad), std::string::npos);
  }
}

TEST(TrustedProxies, HeadersCountOnlyFromATrustedPeer) {
  TrustedProxies p = Proxies({"127.0.0.1"});
  // From an untrusted peer the header is whatever the client wrote: ignored.
  EXPECT_EQ(p.ClientOf(Ip("198.51.100.9"), "203.0.113.5", ""), Ip("198.51.100.9"));
  EXPECT_EQ(p.ClientOf(Ip("127.0.0.1"), "203.0.113.5", ""), Ip("203.0.113.5"));
  // No proxies configured: never.
  EXPECT_EQ(TrustedProxies().ClientOf(Ip("127.0.0.1"), "203.0.113.5", ""), Ip("127.0.0.1"));
  // A trusted peer without the header: the peer itself.
  EXPECT_EQ(p.ClientOf(Ip("127.0.0.1"), "", ""), Ip("127.0.0.1"));
}

TEST(TrustedProxies, TheNearestUntrustedHopIsTheClient) {
  TrustedProxies p = Proxies({"127.0.0.1", "10.0.0.0/8"});
  // The client prepended a fake address; the proxies appended the real one and themselves.
  EXPECT_EQ(p.ClientOf(Ip("127.0.0.1"), "1.2.3.4, 203.0.113.5, 10.0.0.2", ""), Ip("203.0.113.5"));
  EXPECT_EQ(p.ClientOf(Ip("127.0.0.1"), " [2001:db8::7]:443 , 10.1.1.1", ""), Ip("2001:db8::7"));
  EXPECT_EQ(p.ClientOf(Ip("127.0.0.1"), "203.0.113.5:5000", ""), Ip("203.0.113.5"));
  // Every hop trusted: the left-most of them.
  EXPECT_EQ(p.ClientOf(Ip("127.0.0.1"), "10.0.0.9, 10.0.0.2", ""), Ip("10.0.0.9"));
  // Garbage ends the walk at the last good hop.
  EXPECT_EQ(p.ClientOf(Ip("127.0.0.1"), "203.0.113.5, junk, 10.0.0.2", ""), Ip("10.0.0.2"));
}

TEST(TrustedProxies, ReadsForwardedWhenThereIsNoXForwardedFor) {
  TrustedProxies p = Proxies({"127.0.0.1"});
  EXPECT_EQ(p.ClientOf(Ip("127.0.0.1"), "", "for=192.0.2.60;proto=https;by=203.0.113.43"),
            Ip("192.0.2.60"));
  EXPECT_EQ(p.ClientOf(Ip("127.0.0.1"), "", R"(For="[2001:db8:cafe::17]:4711", for=127.0.0.1)"),
            Ip("2001:db8:cafe::17"));
  EXPECT_EQ(p.ClientOf(Ip("127.0.0.1"), "", "for=_hidden"), Ip("127.0.0.1"));
}

TEST(AddressFromBytes, RebuildsTheRequestsClientAddress) {
  EXPECT_EQ(AddressFromBytes(std::string("\x7f\x00\x00\x01", 4)), Ip("127.0.0.1"));
  auto v6 = Ip("2001:db8::1").to_v6().to_bytes();
  EXPECT_EQ(AddressFromBytes(std::string(v6.begin(), v6.end())), Ip("2001:db8::1"));
}

}  // namespace
}  // namespace sightline
