#include "app/beacon_generator.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace sightline {
namespace {

constexpr int64_t kNow = 1764270000000;  // 2025-11-27T19:00:00Z

bool IsMobile(const std::string& ua) { return ua.find("Mobile") != std::string::npos; }

bool IsLowerHex(std::string_view s, size_t len) {
  return s.size() == len && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// The exact p-quantile (nearest rank) of `values`.
double Quantile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(values.size())));
  return values[std::max<size_t>(rank, 1) - 1];
}

std::string_view ExpectedRating(std::string_view name, double v) {
  static const std::map<std::string_view, std::pair<double, double>> kThresholds = {
      {"LCP", {2500, 4000}}, {"INP", {200, 500}},   {"CLS", {0.1, 0.25}},
      {"FCP", {1800, 3000}}, {"TTFB", {800, 1800}}, {"FID", {100, 300}}};
  auto [good, poor] = kThresholds.at(name);
  return v <= good ? "good" : v <= poor ? "needs-improvement" : "poor";
}

TEST(BeaconGenerator, BeaconsAreValidJsonOfRealisticSizeAndShape) {
  BeaconGenerator gen(7);
  simdjson::dom::parser parser;
  constexpr int kBeacons = 3000;
  size_t total_bytes = 0, total_events = 0, max_bytes = 0, footprints = 0;
  std::map<std::string, int> types;
  for (int beacon_idx = 0; beacon_idx < kBeacons; ++beacon_idx) {
    std::string beacon = gen.Next(kNow, "pk_live_1");
    total_bytes += beacon.size();
    max_bytes = std::max(max_bytes, beacon.size());
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(beacon).get(doc), simdjson::SUCCESS) << beacon;
    EXPECT_EQ(int64_t(doc["v"]), 1);
    EXPECT_EQ(std::string_view(doc["key"]), "pk_live_1");
    std::string_view consent = doc["consent"];
    if (consent == "full") {
      EXPECT_GE(std::string_view(doc["session_id"]).size(), 16u);
      EXPECT_FALSE(std::string_view(doc["page_view_id"]).empty());
    } else {
      EXPECT_EQ(consent, "minimal");
      EXPECT_TRUE(doc["session_id"].error()) << "minimal consent carries no identifiers";
    }
    double sample_rate = doc["sample_rate"].get_double();
    EXPECT_TRUE(sample_rate == 1 || sample_rate == 0.5 || sample_rate == 0.1);
    EXPECT_EQ(std::string_view(doc["context"]["url"]).substr(0, 21), "https://shop.example/");
    EXPECT_EQ(std::string_view(doc["context"]["route"]).substr(0, 1), "/");

    simdjson::dom::array events = doc["events"];
    ASSERT_GE(events.size(), 5u);
    ASSERT_LE(events.size(), 16u);
    total_events += events.size();
    int64_t previous_ts = 0;
    for (simdjson::dom::element event : events) {
      std::string type{std::string_view(event["type"])};
      ++types[type];
      int64_t ts = event["ts"];
      EXPECT_GE(ts, kNow - 60000);
      EXPECT_LE(ts, kNow);
      EXPECT_GE(ts, previous_ts) << "events are in time order";
      previous_ts = ts;
      if (type == "vital") {
        std::string_view name = event["name"];
        double value = event["value"].get_double();
        EXPECT_GE(value, 0);
        EXPECT_EQ(std::string_view(event["rating"]), ExpectedRating(name, value)) << name << value;
      } else if (type == "api_call") {
        EXPECT_TRUE(IsLowerHex(event["trace_id"].get_string().value(), 32));
        EXPECT_TRUE(IsLowerHex(event["span_id"].get_string().value(), 16));
        int64_t status = event["status"];
        EXPECT_TRUE(status >= 200 && status < 600) << status;
        EXPECT_GE(int64_t(event["size"]), 0);
      } else if (type == "custom" && std::string_view(event["name"]) == "sightline_footprint") {
        ++footprints;
        --types["custom"];  // the agent's own, not a business event
        EXPECT_GT(event["attributes"]["script_ms"].get_double().value(), 0);
        EXPECT_GE(int64_t(event["attributes"]["beacons"]), 1);
      } else if (type == "page_view" && !event["soft"].get_bool().value()) {
        double ttfb = event["timing"]["ttfb"].get_double();
        EXPECT_LE(event["timing"]["dns"].get_double().value(), ttfb);
        EXPECT_LE(ttfb, event["timing"]["load"].get_double().value());
      }
    }
    EXPECT_EQ(std::string_view(events.at(0)["type"]), "page_view");
  }
  double mean_bytes = double(total_bytes) / kBeacons;
  double mean_events = double(total_events) / kBeacons;
  EXPECT_GT(mean_bytes, 1000);
  EXPECT_LT(mean_bytes, 2000);
  EXPECT_LT(max_bytes, 4096u);
  EXPECT_GT(mean_events, 8.5);
  EXPECT_LT(mean_events, 11.5);
  EXPECT_EQ(types["page_view"], kBeacons);
  EXPECT_EQ(footprints, kBeacons) << "the agent reports its cost as each page is hidden";
  // Errors in ~10% of beacons, custom events in ~20%.
  EXPECT_NEAR(types["error"] / double(kBeacons), 0.1, 0.03);
  EXPECT_NEAR(types["custom"] / double(kBeacons), 0.2, 0.05);
  EXPECT_GT(types["action"], kBeacons);
  EXPECT_GT(types["api_call"], kBeacons);
}

TEST(BeaconGenerator, EscapesTheKey) {
  BeaconGenerator gen(1);
  const std::string key = "pk_\"quoted\"\\\n";
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(gen.Next(kNow, key)).get(doc), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(doc["key"]), key);
}

TEST(BeaconGenerator, DeterministicPerSeed) {
  BeaconGenerator a(42), b(42), c(43);
  bool differs = false;
  for (int beacon_idx = 0; beacon_idx < 50; ++beacon_idx) {
    std::string from_a = a.Next(kNow + beacon_idx, "k");
    EXPECT_EQ(from_a, b.Next(kNow + beacon_idx, "k"));
    EXPECT_EQ(a.user_agent(), b.user_agent());
    differs |= from_a != c.Next(kNow + beacon_idx, "k");
  }
  EXPECT_TRUE(differs);
}

TEST(BeaconGenerator, LcpP75MatchesMobileAndDesktopAndNetworksDiffer) {
  BeaconGenerator gen(2024);
  simdjson::dom::parser parser;
  std::vector<double> lcp[2], rtt[2];  // [desktop, mobile]
  int beacons[2] = {0, 0}, slow_networks[2] = {0, 0};
  std::set<std::string> agents;
  for (int beacon_idx = 0; beacon_idx < 8000; ++beacon_idx) {
    std::string beacon = gen.Next(kNow, "k");
    agents.insert(gen.user_agent());
    int mobile = IsMobile(gen.user_agent()) ? 1 : 0;
    ++beacons[mobile];
    simdjson::dom::element doc = parser.parse(beacon);
    if (simdjson::dom::element network; doc["context"]["network"].get(network) == 0) {
      rtt[mobile].push_back(network["rtt"].get_double());
      slow_networks[mobile] += std::string_view(network["effective_type"]) != "4g";
    }
    for (simdjson::dom::element event : doc["events"].get_array()) {
      if (std::string_view(event["type"]) == "vital" && std::string_view(event["name"]) == "LCP") {
        lcp[mobile].push_back(event["value"].get_double());
      }
    }
  }
  EXPECT_NEAR(beacons[1] / 8000.0, 0.55, 0.03);
  EXPECT_GE(agents.size(), 10u);
  ASSERT_GT(lcp[1].size(), 2000u);
  ASSERT_GT(lcp[0].size(), 2000u);
  // Sampling error of a p75 over 2000+ log-normal draws is about 2%; allow 6%.
  EXPECT_NEAR(Quantile(lcp[1], 0.75), 2500, 150);
  EXPECT_NEAR(Quantile(lcp[0], 0.75), 1800, 108);
  // Mobile visitors sit on slower networks: higher round-trip times, more 3g and worse.
  EXPECT_GT(Quantile(rtt[1], 0.5), 2 * Quantile(rtt[0], 0.5));
  EXPECT_GT(slow_networks[1] / double(rtt[1].size()), 0.08);
  EXPECT_LT(slow_networks[0] / double(rtt[0].size()), 0.03);
}

}  // namespace
}  // namespace sightline
