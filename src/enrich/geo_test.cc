#include "enrich/geo.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

namespace sightline {
namespace {

const std::string kCountryDb = std::string(SIGHTLINE_SOURCE_DIR) +
                               "/node_modules/@ip-location-db/geo-whois-asn-country-mmdb/"
                               "geo-whois-asn-country.mmdb";

boost::asio::ip::address Ip(const char* text) { return boost::asio::ip::make_address(text); }

TEST(RegionOfCountry, GroupsCountriesIntoRegions) {
  EXPECT_EQ(RegionOfCountry("US"), "NA");
  EXPECT_EQ(RegionOfCountry("BR"), "LATAM");
  EXPECT_EQ(RegionOfCountry("DE"), "EU");
  EXPECT_EQ(RegionOfCountry("ZA"), "MEA");
  EXPECT_EQ(RegionOfCountry("AE"), "MEA");
  EXPECT_EQ(RegionOfCountry("SG"), "APAC");
  EXPECT_EQ(RegionOfCountry("AU"), "APAC");
  EXPECT_EQ(RegionOfCountry("ZZ"), "");
  EXPECT_EQ(RegionOfCountry(""), "");
}

TEST(RegionOfCountry, AgreesWithTheTableInTheDocs) {
  std::ifstream in(std::string(SIGHTLINE_SOURCE_DIR) + "/docs/geo.md");
  std::stringstream doc;
  doc << in.rdbuf();
  std::regex row(R"(\| `([A-Z]+)` \| ([A-Z ]+) \|)");
  size_t countries = 0;
  std::string text = doc.str();
  for (auto it = std::sregex_iterator(text.begin(), text.end(), row); it != std::sregex_iterator();
       ++it) {
    std::istringstream codes((*it)[2].str());
    for (std::string code; codes >> code; ++countries) {
      EXPECT_EQ(RegionOfCountry(code), (*it)[1].str()) << code;
    }
  }
  EXPECT_GT(countries, 240u);
}

TEST(GeoLocator, FindsTheCountryOfKnownAddresses) {
  auto geo = GeoLocator::Open(kCountryDb);
  ASSERT_TRUE(geo.ok()) << geo.status().ToString();
  struct Case {
    const char* address;
    const char* country;
    const char* region;
  };
  for (const Case& c : {Case{"8.8.8.8", "US", "NA"}, Case{"2001:4860:4860::8888", "US", "NA"},
                        Case{"193.0.6.139", "NL", "EU"}, Case{"::ffff:193.0.6.139", "NL", "EU"},
                        Case{"200.160.2.3", "BR", "LATAM"}, Case{"202.12.29.205", "AU", "APAC"},
                        Case{"196.216.2.6", "ZA", "MEA"}}) {
    GeoResult r = (*geo)->Lookup(Ip(c.address));
    EXPECT_EQ(r.country, c.country) << c.address;
    EXPECT_EQ(r.region, c.region) << c.address;
  }
}

TEST(GeoLocator, PrivateAndUnknownAddressesHaveNoCountry) {
  auto geo = GeoLocator::Open(kCountryDb);
  ASSERT_TRUE(geo.ok());
  for (const char* address : {"127.0.0.1", "10.1.2.3", "172.16.5.4", "192.168.0.1", "100.64.0.1",
                              "169.254.1.1", "0.0.0.0", "::1", "fe80::1", "fd00::1", "::"}) {
    GeoResult r = (*geo)->Lookup(Ip(address));
    EXPECT_EQ(r.country, "") << address;
    EXPECT_EQ(r.region, "") << address;
  }
}

TEST(GeoLocator, OpeningAMissingOrBrokenFileFails) {
  EXPECT_EQ(GeoLocator::Open("/nonexistent/geo.mmdb").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(GeoLocator::Open(std::string(SIGHTLINE_SOURCE_DIR) + "/README.md").status().code(),
            Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace sightline
