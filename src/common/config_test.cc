#include "common/config.h"

#include <gtest/gtest.h>

#include "common/env.h"

namespace sightline {
namespace {

constexpr const char* kValid = R"(
listen: 127.0.0.1:9090
data_dir: /tmp/x
limits:
  beacons_per_second_per_client: 5
  beacons_per_second_per_key: 0
projects:
  - id: shop
    ingest_keys: [pk_shop_123]
    read_tokens: [rt_shop_456]
    allowed_origins: ["https://shop.example", "https://*.shop.example"]
    retention_days: 30
)";

std::string ErrorOf(const std::string& yaml) {
  Result<Config> config = ParseConfig(yaml);
  EXPECT_FALSE(config.ok()) << "accepted:\n" << yaml;
  return config.ok() ? "" : config.status().message();
}

TEST(ConfigTest, ParsesTheDocumentedShape) {
  Result<Config> config = ParseConfig(kValid);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->server.host, "127.0.0.1");
  EXPECT_EQ(config->server.port, 9090);
  EXPECT_EQ(config->storage.data_dir, "/tmp/x");
  EXPECT_EQ(config->limits.beacons_per_second_per_client, 5);
  ASSERT_EQ(config->projects.size(), 1u);
  EXPECT_EQ(config->projects[0].id, "shop");
  EXPECT_EQ(config->projects[0].allowed_origins.size(), 2u);
  EXPECT_EQ(config->projects[0].retention_days, 30u);
  EXPECT_EQ(config->limits.max_events_per_beacon, 500u);  // default kept
  EXPECT_EQ(config->storage.wal_fsync_interval_ms, 50u);
}

// Found by the config fuzz target: a key that is itself a mapping or a list ("? ..." in YAML)
// threw from yaml-cpp instead of being refused.
TEST(ConfigTest, AKeyThatIsNotAScalarIsRefusedNotThrown) {
  for (const char* yaml : {"? [a, b]\n: 1\n", "storage:\n  ? {x: 1}\n  : 2\n",
                           "? T\x16"
                           "es: 1048576\n  memtable_max_bytes: 4194304\n"}) {
    Result<Config> config = ParseConfig(yaml);
    ASSERT_FALSE(config.ok()) << yaml;
    EXPECT_NE(config.status().message().find("key"), std::string::npos)
        << config.status().message();
  }
}

TEST(ConfigTest, TheDashboardsRumKeyMustBeAProjectsIngestKeyAndCompactionCanBeOff) {
  Result<Config> config = ParseConfig(std::string(kValid) +
                                      "server:\n  dashboard_rum_key: pk_shop_123\n"
                                      "storage:\n  compact_interval_s: 0\n");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->server.dashboard_rum_key, "pk_shop_123");
  EXPECT_EQ(config->storage.compact_interval_s, 0u);
  EXPECT_EQ(ParseConfig(kValid)->storage.compact_interval_s, 600u);
  EXPECT_NE(ErrorOf(std::string(kValid) + "server:\n  dashboard_rum_key: rt_shop_456\n")
                .find("server.dashboard_rum_key: not an ingest key"),
            std::string::npos);
}

TEST(ConfigTest, UploadTokensAndSourceMapLimits) {
  std::string yaml =
      std::string(kValid) + "    upload_tokens: [ut_shop_789]\n" + "sourcemaps:\n  cache_mb: 64\n";
  yaml.replace(yaml.find("limits:\n"), 8, "limits:\n  max_sourcemap_bytes: 1048576\n");
  Result<Config> config = ParseConfig(yaml);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->projects[0].upload_tokens, std::vector<std::string>{"ut_shop_789"});
  EXPECT_EQ(config->limits.max_sourcemap_bytes, 1048576u);
  EXPECT_EQ(config->sourcemaps.cache_mb, 64u);
  EXPECT_EQ(ParseConfig(kValid)->limits.max_sourcemap_bytes, 64u << 20);
  EXPECT_EQ(ParseConfig(kValid)->sourcemaps.cache_mb, 256u);
  // A token is either a read token or an upload token, of one project.
  EXPECT_NE(ErrorOf(std::string(kValid) + "    upload_tokens: [rt_shop_456]\n")
                .find("an upload token belongs to more than one project or is also a read token"),
            std::string::npos);
}

TEST(ConfigTest, ParsesSamplingRulesTrustedProxiesAndGeo) {
  Result<Config> config = ParseConfig(std::string(kValid) + R"(
    sampling:
      sample_rate: 0.1
      error_sample_rate: 1
      by_region: {EU: 0.5, US: 0.05}
      by_user_tier: {enterprise: 1}
      by_feature_flag: {beta-checkout-flow: 1.0}
server:
  trusted_proxies: ["127.0.0.1", "10.0.0.0/8"]
geo:
  country_db: /var/lib/sightline/country.mmdb
)");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  const SamplingConfig& sampling = config->projects[0].sampling;
  EXPECT_EQ(sampling.sample_rate, 0.1);
  EXPECT_EQ(sampling.by_region, (RateMap{{"EU", 0.5}, {"US", 0.05}}));
  EXPECT_EQ(sampling.by_user_tier, (RateMap{{"enterprise", 1}}));
  EXPECT_EQ(sampling.by_feature_flag, (RateMap{{"beta-checkout-flow", 1}}));
  EXPECT_EQ(config->server.trusted_proxies, (std::vector<std::string>{"127.0.0.1", "10.0.0.0/8"}));
  EXPECT_EQ(config->geo.country_db, "/var/lib/sightline/country.mmdb");
  // Without a sampling block everything is kept.
  EXPECT_EQ(ParseConfig(kValid)->projects[0].sampling.sample_rate, 1);
}

TEST(ConfigTest, SamplingRatesMustBeBetweenZeroAndOne) {
  EXPECT_NE(ErrorOf(std::string(kValid) + "    sampling: {by_region: {EU: 1.5}}\n")
                .find("projects[0].sampling.by_region.EU"),
            std::string::npos);
  EXPECT_NE(ErrorOf(std::string(kValid) + "    sampling: {sample_rate: lots}\n").find("a number"),
            std::string::npos);
  EXPECT_NE(ErrorOf(std::string(kValid) + "    sampling: {by_user_tier: [a]}\n")
                .find("a mapping of names to rates"),
            std::string::npos);
}

TEST(ConfigTest, TheDocumentedCompleteExampleIsValid) {
  Result<std::string> doc =
      Env::Default()->ReadFile(std::string(SIGHTLINE_SOURCE_DIR) + "/docs/configuration.md");
  ASSERT_TRUE(doc.ok());
  size_t section = doc->find("## Complete example");
  size_t begin = doc->find("```yaml\n", section);
  size_t end = doc->find("```", begin + 8);
  ASSERT_NE(begin, std::string::npos);
  Result<Config> config = ParseConfig(doc->substr(begin + 8, end - begin - 8));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->server.trusted_proxies, std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(config->projects[0].sampling.by_region, (RateMap{{"US", 0.1}, {"APAC", 0.3}}));
  ASSERT_EQ(config->projects[0].routes.size(), 2u);
  EXPECT_EQ(config->projects[0].routes[0].match, "/blog/*");
  EXPECT_EQ(config->projects[0].routes[0].route, "/blog/:slug");
  EXPECT_EQ(config->privacy.secret_params.size(), 6u);
  EXPECT_EQ(config->user_agent.cache_size, 10000u);
}

TEST(ConfigTest, RouteRulesNeedAPathPatternAndARoute) {
  std::string error = ErrorOf(
      "projects:\n  - id: a\n    ingest_keys: [k]\n    routes:\n      - {match: blog, route: x}\n");
  EXPECT_NE(error.find("projects[0].routes[0]"), std::string::npos) << error;
  EXPECT_NE(error.find("starting with '/'"), std::string::npos) << error;
}

TEST(ConfigTest, HashRoutesAreOnUnlessTurnedOff) {
  Result<Config> on = ParseConfig("projects:\n  - id: a\n    ingest_keys: [k]\n");
  ASSERT_TRUE(on.ok()) << on.status().ToString();
  EXPECT_TRUE(on->projects[0].hash_routes);
  Result<Config> off =
      ParseConfig("projects:\n  - id: a\n    ingest_keys: [k]\n    hash_routes: false\n");
  ASSERT_TRUE(off.ok()) << off.status().ToString();
  EXPECT_FALSE(off->projects[0].hash_routes);
  std::string error = ErrorOf("projects:\n  - id: a\n    ingest_keys: [k]\n    hash_routes: 1\n");
  EXPECT_NE(error.find("projects[0].hash_routes"), std::string::npos) << error;
  EXPECT_NE(error.find("true or false"), std::string::npos) << error;
}

TEST(ConfigTest, TheDemoConfigIsValid) {
  Result<Config> config = LoadConfigFile(std::string(SIGHTLINE_SOURCE_DIR) + "/config/demo.yaml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->projects[0].id, "demo");
  EXPECT_EQ(config->projects[0].ingest_keys[0], "demo-public-key");
  EXPECT_EQ(config->projects[0].read_tokens[0], "demo-read-token");
}

TEST(ConfigTest, UnknownKeyIsNamedWithItsLine) {
  std::string error = ErrorOf(std::string(kValid) + "limitz: {}\n");
  EXPECT_NE(error.find("limitz"), std::string::npos) << error;
  EXPECT_NE(error.find("unknown key"), std::string::npos) << error;
  EXPECT_NE(error.find("line 13"), std::string::npos) << error;
}

TEST(ConfigTest, UnknownNestedKeyNamesThePath) {
  std::string error = ErrorOf("limits:\n  max_evnts_per_beacon: 3\nprojects: []\n");
  EXPECT_NE(error.find("limits.max_evnts_per_beacon"), std::string::npos) << error;
}

TEST(ConfigTest, DuplicateKeyIsAnError) {
  std::string error = ErrorOf("data_dir: a\ndata_dir: b\n");
  EXPECT_NE(error.find("duplicate key"), std::string::npos) << error;
}

TEST(ConfigTest, BadTypeSaysWhatWasExpected) {
  std::string error = ErrorOf("limits:\n  max_events_per_beacon: lots\n");
  EXPECT_NE(error.find("limits.max_events_per_beacon"), std::string::npos) << error;
  EXPECT_NE(error.find("expected an integer"), std::string::npos) << error;
  EXPECT_NE(error.find("\"lots\""), std::string::npos) << error;
}

TEST(ConfigTest, OutOfRangeAndCrossReferenceErrors) {
  EXPECT_NE(ErrorOf("limits:\n  max_body_bytes: 5\n").find("out of range"), std::string::npos);
  EXPECT_NE(ErrorOf("listen: nonsense\nprojects: []\n").find("listen"), std::string::npos);
  EXPECT_NE(ErrorOf("data_dir: x\n").find("at least one project"), std::string::npos);
  std::string dup = ErrorOf(R"(
projects:
  - {id: a, ingest_keys: [k]}
  - {id: b, ingest_keys: [k]}
)");
  EXPECT_NE(dup.find("more than one project"), std::string::npos) << dup;
  EXPECT_NE(ErrorOf("projects:\n  - {id: Bad Id, ingest_keys: [k]}\n").find("id"),
            std::string::npos);
  EXPECT_NE(ErrorOf("projects: [ {id: a} ]\n").find("ingest key"), std::string::npos);
}

TEST(ConfigTest, ParseListenAcceptsIpv6) {
  ServerConfig server;
  ASSERT_TRUE(ParseListen("[::1]:8081", &server).ok());
  EXPECT_EQ(server.host, "::1");
  EXPECT_EQ(server.port, 8081);
  EXPECT_FALSE(ParseListen("127.0.0.1:99999", &server).ok());
}

}  // namespace
}  // namespace sightline
