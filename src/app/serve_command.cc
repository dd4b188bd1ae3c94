#include "app/serve_command.h"

#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include "common/asio.h"
#include "common/config.h"
#include "common/dir_lock.h"
#include "common/json_writer.h"
#include "common/logger.h"
#include "common/metrics.h"
#include "enrich/enricher.h"
#include "serve/beacon_routes.h"
#include "serve/error_routes.h"
#include "serve/http_server.h"
#include "serve/memory_guard.h"
#include "serve/ops_routes.h"
#include "serve/query_routes.h"
#include "serve/static_routes.h"
#include "serve/trace_routes.h"
#include "serve/traffic_routes.h"
#include "store/embedded_store.h"

namespace sightline {
namespace {

constexpr const char* kUsage =
    "usage: sightline serve --config FILE [--listen HOST:PORT] [--data DIR]\n";

struct ServeArgs {
  std::string config_path, listen, data_dir;
};

bool ParseArgs(const std::vector<std::string>& args, ServeArgs* out, std::string* error) {
  for (size_t idx = 0; idx < args.size(); ++idx) {
    const std::string& arg = args[idx];
    auto value = [&](std::string* dst) {
      if (idx + 1 >= args.size()) {
        *error = arg + " needs a value";
        return false;
      }
      *dst = args[++idx];
      return true;
    };
    if (arg == "--config") {
      if (!value(&out->config_path)) return false;
    } else if (arg == "--listen") {
      if (!value(&out->listen)) return false;
    } else if (arg == "--data") {
      if (!value(&out->data_dir)) return false;
    } else {
      *error = "unknown argument " + arg;
      return false;
    }
  }
  if (out->config_path.empty()) {
    *error = "--config is required";
    return false;
  }
  return true;
}

std::string HealthJson(EmbeddedStore* store, int64_t started_ms, Env* env) {
  EmbeddedStoreStats stats = store->Stats();
  JsonWriter w;
  w.BeginObject();
  w.Key("status");
  w.String(stats.corrupt_segments == 0 && stats.flush_error.empty() ? "ok" : "degraded");
  w.Key("problems");
  w.BeginArray();
  if (stats.corrupt_segments > 0) w.String("corrupt segments are left out of queries");
  if (!stats.flush_error.empty()) w.String("the last memtable flush failed: " + stats.flush_error);
  w.EndArray();
  w.Key("uptime_s");
  w.Int((env->NowMillis() - started_ms) / 1000);
  w.Key("segments");
  w.Int(static_cast<int64_t>(stats.segments));
  w.Key("corrupt_segments");
  w.Int(static_cast<int64_t>(stats.corrupt_segments));
  w.Key("memtable_bytes");
  w.Int(static_cast<int64_t>(stats.memtable_bytes));
  w.EndObject();
  return w.Take();
}

}  // namespace

int RunServe(const std::vector<std::string>& args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << kUsage;
    return 0;
  }
  ServeArgs parsed;
  std::string arg_error;
  if (!ParseArgs(args, &parsed, &arg_error)) {
    std::cerr << "sightline serve: " << arg_error << "\n" << kUsage;
    return 2;
  }
  Result<Config> loaded = LoadConfigFile(parsed.config_path);
  if (!loaded.ok()) {
    std::cerr << "sightline serve: " << loaded.status().message() << "\n";
    return 2;
  }
  Config config = std::move(loaded).value();
  if (!parsed.listen.empty()) {
    Status s = ParseListen(parsed.listen, &config.server);
    if (!s.ok()) {
      std::cerr << "sightline serve: --listen: " << s.message() << "\n";
      return 2;
    }
  }
  if (!parsed.data_dir.empty()) config.storage.data_dir = parsed.data_dir;

  boost::system::error_code address_error;
  boost::asio::ip::make_address(config.server.host, address_error);
  if (address_error) {
    std::cerr << "sightline serve: listen: \"" << config.server.host
              << "\" is not an IP address (use 127.0.0.1, 0.0.0.0 or ::)\n";
    return 2;
  }

  Result<TrustedProxies> proxies = TrustedProxies::Parse(config.server.trusted_proxies);
  if (!proxies.ok()) {
    std::cerr << "sightline serve: " << proxies.status().message() << "\n";
    return 2;
  }
  // Enrichment's shared parts: the geo databases, the user-agent parser and the PII scrubber.
  auto open_geo = [](const std::string& path, const char* key,
                     std::unique_ptr<GeoLocator>* out) -> bool {
    if (path.empty()) return true;
    Result<std::unique_ptr<GeoLocator>> opened_geo = GeoLocator::Open(path);
    if (!opened_geo.ok()) {
      std::cerr << "sightline serve: " << key << ": " << opened_geo.status().message() << "\n";
      return false;
    }
    *out = std::move(opened_geo).value();
    return true;
  };
  std::unique_ptr<GeoLocator> countries, cities;
  if (!open_geo(config.geo.country_db, "geo.country_db", &countries) ||
      !open_geo(config.geo.city_db, "geo.city_db", &cities)) {
    return 2;
  }
  std::unique_ptr<UserAgentParser> user_agents;
  if (!config.user_agent.regexes.empty()) {
    Result<std::unique_ptr<UserAgentParser>> loaded =
        UserAgentParser::Load(config.user_agent.regexes);
    if (!loaded.ok()) {
      std::cerr << "sightline serve: user_agent.regexes: " << loaded.status().message()
                << " (install Debian's uap-core, or set user_agent.regexes: \"\" to store no "
                   "browser, OS or device)\n";
      return 2;
    }
    user_agents = std::move(loaded).value();
    // Loading parses a large YAML tree and frees it: hand that memory back (about 30 MiB).
    malloc_trim(0);
  }
  PiiScrubber scrubber(config.privacy.secret_params);
  EnrichResources enrich;
  enrich.countries = countries.get();
  enrich.cities = cities.get();
  enrich.user_agents = user_agents.get();
  enrich.scrubber = &scrubber;
  enrich.user_agent_cache_size = config.user_agent.cache_size;

  // The memtable's chunks and a flush's column buffers are allocated anew every flush cycle.
  // Keep freed memory in the heap for that reuse instead of handing it back to the kernel (and
  // taking a page fault per 4 KiB when it is touched again): resident memory stays at its peak,
  // which the memtable size bounds, rather than rising and falling with every flush.
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);

  Env* env = Env::Default();
  LogLevel level = LogLevel::kInfo;
  ParseLogLevel(config.log.level, &level);
  Logger logger(env, stderr, level);
  MetricsRegistry metrics;
  std::signal(SIGPIPE, SIG_IGN);
  // Connections (server.max_connections) and open segments (storage.max_open_files) each need a
  // descriptor: take what the hard limit allows, as nginx's worker_rlimit_nofile does.
  if (rlimit files{}; getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }

  // Held until the process exits: one writer per data directory (import waits or fails).
  Result<std::unique_ptr<DirLock>> data_dir_lock =
      DirLock::Acquire(config.storage.data_dir, "serve");
  if (!data_dir_lock.ok()) {
    logger.Error("cannot use the data directory", {{"error", data_dir_lock.status().message()}});
    return 1;
  }
  EmbeddedStoreOptions store_options;
  store_options.dir = JoinPath(config.storage.data_dir, config.storage.region);
  store_options.wal_fsync_interval_ms = config.storage.wal_fsync_interval_ms;
  store_options.flush_bytes = config.storage.memtable_flush_bytes;
  store_options.max_memtable_bytes = config.storage.memtable_max_bytes;
  store_options.max_open_files = config.storage.max_open_files;
  store_options.flush_interval_s = config.storage.memtable_flush_interval_s;
  store_options.compact_interval_s = config.storage.compact_interval_s;
  Result<std::unique_ptr<EmbeddedStore>> opened =
      EmbeddedStore::Open(env, &logger, &metrics, store_options);
  if (!opened.ok()) {
    logger.Error("cannot open the store", {{"error", opened.status().ToString()}});
    return 1;
  }
  std::unique_ptr<EmbeddedStore> store = std::move(opened).value();

  size_t io_threads = config.server.io_threads;
  if (io_threads == 0) io_threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::unique_ptr<boost::asio::io_context>> io_contexts;
  std::vector<boost::asio::io_context*> ios;
  for (size_t idx = 0; idx < io_threads; ++idx) {
    io_contexts.push_back(std::make_unique<boost::asio::io_context>(1));
    ios.push_back(io_contexts.back().get());
  }
  boost::asio::io_context& io = *ios[0];  // accepts, and handles signals
  boost::asio::thread_pool query_pool(config.server.query_threads);
  HttpServer server(ios, env, &logger, &metrics, config.server, config.limits);
  BeaconRoutes beacons(env, io_threads, store.get(), &metrics, config, proxies.value(), enrich);
  beacons.Register(&server);
  TrafficRoutes traffic(env, io_threads, store.get(), &metrics, config, enrich);
  traffic.Register(&server);
  TraceRoutes traces(env, io_threads, store.get(), &metrics, config, proxies.value(), enrich);
  traces.Register(&server);
  QueryRoutes queries(env, &logger, &metrics, store.get(), config, &query_pool);
  queries.Register(&server);
  // Beside the region directories: source maps and error statuses belong to projects.
  Result<std::unique_ptr<SourceMapStore>> source_maps = SourceMapStore::Open(
      JoinPath(config.storage.data_dir, "sourcemaps"), size_t{config.sourcemaps.cache_mb} << 20);
  if (!source_maps.ok()) {
    logger.Error("cannot open the source maps", {{"error", source_maps.status().ToString()}});
    return 1;
  }
  Result<std::unique_ptr<ErrorStates>> error_states =
      ErrorStates::Open(JoinPath(config.storage.data_dir, "errors"));
  if (!error_states.ok()) {
    logger.Error("cannot open the error statuses", {{"error", error_states.status().ToString()}});
    return 1;
  }
  SourceMapStore* maps = source_maps->get();
  metrics.AddGaugeCallback("sightline_sourcemap_cache_bytes",
                           "Parsed source maps held in memory (bounded by sourcemaps.cache_mb)",
                           [maps] { return static_cast<double>(maps->cached_bytes()); });
  metrics.AddGaugeCallback("sightline_sourcemap_parses",
                           "Source maps parsed for queries since start (cache misses)",
                           [maps] { return static_cast<double>(maps->parses()); });
  ErrorRoutes errors(env, &logger, config, &queries, maps, error_states->get(), &query_pool);
  errors.Register(&server);
  const int64_t started_ms = env->NowMillis();
  RegisterOpsRoutes(&server, &metrics, [&] { return HealthJson(store.get(), started_ms, env); });
  MemoryGuard memory(
      &io, uint64_t{config.limits.max_memory_mb} << 20, [&store] { store->RequestFlush(); },
      &metrics);
  server.ShedWhen([&memory] { return memory.shedding(); });
  RegisterStaticRoutes(&server);
  RegisterDashboardConfigRoute(&server, config.server.dashboard_rum_key);

  memory.Start();
  Result<uint16_t> port = server.Start();
  if (!port.ok()) {
    logger.Error("cannot start the HTTP server", {{"error", port.status().ToString()}});
    return 1;
  }
  std::string host = config.server.host.find(':') != std::string::npos
                         ? "[" + config.server.host + "]"
                         : config.server.host;
  std::string url = "http://" + host + ":" + std::to_string(*port) + "/";
  logger.Info(
      "listening",
      {{"url", url}, {"data_dir", store_options.dir}, {"io_threads", std::to_string(io_threads)}});
  std::cout << "Sightline listening on " << url << "\n  dashboard: " << url
            << " (sign in with a project's read token)\n  demo page: " << url << "demo/"
            << " (sends real beacons to the demo project)" << std::endl;

  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](boost::system::error_code ec, int signal) {
    if (ec) return;
    logger.Info("shutting down", {{"signal", std::to_string(signal)}});
    memory.Stop();
    server.Stop();
  });
  std::vector<std::thread> threads;
  for (size_t idx = 1; idx < io_threads; ++idx) {
    threads.emplace_back([ctx = ios[idx]] { ctx->run(); });
  }
  io.run();
  for (std::thread& thread : threads) thread.join();
  query_pool.join();
  // Responses that queries posted after the loops ended still hold connections: let them finish
  // (their sockets are closed) so no connection outlives the server.
  for (boost::asio::io_context* ctx : ios) {
    ctx->restart();
    ctx->poll();
  }
  Status closed = store->Close();
  if (!closed.ok()) {
    logger.Error("flushing the store at shutdown failed", {{"error", closed.ToString()}});
    return 1;
  }
  logger.Info("stopped cleanly");
  return 0;
}

}  // namespace sightline
