// Config: the whole configuration of `sightline serve`, one struct with a sub-struct per stage.
//
// Loaded once at start-up from YAML (LoadConfigFile / ParseConfig), validated, then passed by const
// reference; nothing mutates it afterwards. Every field documents its YAML key and default. Parse
// errors name the key path and the YAML line, e.g. `limits.max_events_per_beacon (line 7): expected
// an integer, got "lots"`; unknown keys and duplicate keys are errors, so a typo never silently
// falls back to a default.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace sightline {

struct ServerConfig {
  std::string host = "127.0.0.1";       // `listen: HOST:PORT` (default 127.0.0.1:8080)
  uint16_t port = 8080;                 // 0 picks a free port (printed at start-up)
  uint32_t max_connections = 10000;     // server.max_connections; more are refused
  uint32_t idle_timeout_ms = 30000;     // server.idle_timeout_ms: keep-alive idle limit
  uint32_t request_timeout_ms = 10000;  // server.request_timeout_ms: a whole request must
                                        // arrive within this (slow senders are cut off)
  uint32_t io_threads = 0;              // server.io_threads: HTTP threads, 0 = one per core
  uint32_t query_threads = 1;           // server.query_threads: threads answering /api queries
  uint32_t query_timeout_ms = 30000;    // server.query_timeout_ms: a query's time, queue included
  uint32_t max_pending_queries = 64;    // server.max_pending_queries: queued or running; more: 503
  // server.trusted_proxies: addresses and networks ("10.0.0.0/8") of reverse proxies whose
  // X-Forwarded-For / Forwarded header names the visitor (see ingest/client_address.h).
  std::vector<std::string> trusted_proxies;
  // server.dashboard_rum_key: an ingest key of a configured project; the dashboard then reports
  // its own page loads there through the agent (we measure the dashboard as users' apps). "": no.
  std::string dashboard_rum_key;
};

struct LimitsConfig {
  double beacons_per_second_per_client =
      100;                                    // limits.beacons_per_second_per_client, 0 = unlimited
  double beacons_per_second_per_key = 0;      // limits.beacons_per_second_per_key, 0 = unlimited
  uint32_t max_body_bytes = 64 * 1024;        // limits.max_body_bytes: as sent on the wire
  uint32_t max_inflated_bytes = 1024 * 1024;  // limits.max_inflated_bytes: after gzip
  uint32_t max_events_per_beacon = 500;       // limits.max_events_per_beacon
  uint32_t max_string_bytes = 1024;           // limits.max_string_bytes: most text fields
  uint32_t max_text_bytes = 16 * 1024;        // limits.max_text_bytes: stacks, attribute blobs
  uint32_t max_depth = 16;                    // limits.max_depth: JSON nesting
  uint32_t max_event_age_s = 24 * 3600;       // limits.max_event_age_s: older events rejected
  uint32_t max_event_future_s = 300;          // limits.max_event_future_s: clock skew allowed
  uint32_t max_sourcemap_bytes = 64 << 20;    // limits.max_sourcemap_bytes: one uploaded map
  uint32_t max_trace_bytes = 8 << 20;  // limits.max_trace_bytes: one OTLP export, sent and inflated
  uint32_t max_spans_per_export = 10000;  // limits.max_spans_per_export: spans in one OTLP export
  double traffic_posts_per_second = 10;   // limits.traffic_posts_per_second: per server token
  uint32_t max_query_groups = 100000;     // limits.max_query_groups: groups one aggregation holds
  uint32_t max_memory_mb = 0;  // limits.max_memory_mb: resident memory; past 90% requests are shed
  // limits.max_query_memory_mb: working memory of one query (exact values, folded sessions), in
  // MiB (fractions allowed); 0: none
  double max_query_memory_mb = 1024;
};

struct StorageConfig {
  std::string data_dir = "./data";      // `data_dir`
  std::string region = "default";       // storage.region: the region this store holds
  uint32_t wal_fsync_interval_ms = 50;  // storage.wal_fsync_interval_ms: group commit period
  uint64_t memtable_flush_bytes = 64ull << 20;  // storage.memtable_flush_bytes
  uint64_t memtable_max_bytes = 256ull << 20;   // storage.memtable_max_bytes: more → 503
  uint32_t max_open_files = 512;  // storage.max_open_files: segment and rollup files kept open
  uint32_t memtable_flush_interval_s = 300;  // storage.memtable_flush_interval_s
  uint32_t compact_interval_s = 600;         // storage.compact_interval_s: 0 never
};

// A rate per name (a region group or country, a user tier, a feature flag), in [0, 1].
using RateMap = std::vector<std::pair<std::string, double>>;

// projects[].sampling: the share of sessions kept, which the agent asks for at GET /v1/config.
// The most generous matching rule wins; errors are always sent at error_sample_rate.
struct SamplingConfig {
  double sample_rate = 1;        // when no rule matches
  double error_sample_rate = 1;  // sessions not sampled still send their errors at this rate
  RateMap by_region;             // by region group (EU) or country code (US): the country first
  RateMap by_user_tier;          // by the user tier the page states
  RateMap by_feature_flag;       // by any of the feature flags the page states
};

// projects[].routes[]: a URL path pattern and the route it stands for. `*` matches one path
// segment, `**` (last only) the rest of the path: {match: "/blog/*", route: "/blog/:slug"}.
struct RouteRule {
  std::string match;
  std::string route;
};

struct ProjectConfig {
  std::string id;                            // projects[].id: [a-z0-9_-]{1,64}
  std::vector<std::string> ingest_keys;      // public keys that may send beacons
  std::vector<std::string> read_tokens;      // secret tokens for the query API
  std::vector<std::string> upload_tokens;    // secret tokens that may upload source maps
  std::vector<std::string> server_tokens;    // secret tokens of backends: POST /v1/traffic
  std::vector<std::string> allowed_origins;  // "https://a.example", "https://*.a.example",
                                             // "http://localhost:*"; empty = any origin
  uint32_t retention_days = 90;
  SamplingConfig sampling;
  std::vector<RouteRule> routes;  // tried in order before the default templating
  // projects[].hash_routes: a fragment that is a path (#/cart/42, #!/cart/42: a hash router's
  // route) is part of the route, templated like the path ("/#/cart/:id"); false: fragments are
  // dropped.
  bool hash_routes = true;
};

struct GeoConfig {
  std::string country_db;  // geo.country_db: a MaxMind DB file with countries; empty = no geo
  std::string city_db;     // geo.city_db: a MaxMind DB with cities (GeoLite2 City, DB-IP
                           // City Lite); its country replaces country_db's; empty = no cities
};

struct UserAgentConfig {
  // user_agent.regexes: uap-core's regexes.yaml (Debian package uap-core); empty = no parsing
  std::string regexes = "/usr/share/uap-core/regexes.yaml";
  uint32_t cache_size = 10000;  // user_agent.cache_size: parsed strings kept per HTTP thread
};

struct PrivacyConfig {
  // privacy.secret_params: query parameters whose values are always removed, by name
  // (case-insensitive); the defaults cover tokens, passwords, keys, codes and e-mail.
  std::vector<std::string> secret_params = {"token", "access_token",  "id_token",  "refresh_token",
                                            "auth",  "authorization", "password",  "passwd",
                                            "pwd",   "secret",        "api_key",   "apikey",
                                            "key",   "session",       "sessionid", "code",
                                            "email", "signature",     "sig",       "sl_sid"};
};

struct SourceMapsConfig {
  // sourcemaps.cache_mb: parsed source maps kept in memory (least recently used go first)
  uint32_t cache_mb = 256;
};

struct LogConfig {
  std::string level = "info";  // log.level: debug, info, warn, error
};

struct Config {
  ServerConfig server;
  LimitsConfig limits;
  StorageConfig storage;
  std::vector<ProjectConfig> projects;
  GeoConfig geo;
  UserAgentConfig user_agent;
  PrivacyConfig privacy;
  SourceMapsConfig sourcemaps;
  LogConfig log;
};

// Parses YAML text. Errors: InvalidArgument with the key path, line and reason.
Result<Config> ParseConfig(const std::string& yaml_text);
// Reads and parses a file. Errors: NotFound/IOError for the file, InvalidArgument as above.
Result<Config> LoadConfigFile(const std::string& path);
// Parses "HOST:PORT" (IPv6 as "[::1]:8080") into `server`.
Status ParseListen(const std::string& text, ServerConfig* server);

}  // namespace sightline
