// Micro-benchmarks of enrichment: the PII scrubber's throughput (MB/s) on realistic error
// messages, stacks and URLs, the user-agent parser with and without its cache, and the whole
// Enricher on generated beacons. BM_ParseBeacon (pipeline_bench) is the stage before it: compare
// the two MB/s figures from the same machine and run.
#include <benchmark/benchmark.h>
#include <yaml-cpp/yaml.h>

#include <random>
#include <vector>

#include "app/beacon_generator.h"
#include "common/config.h"
#include "common/metrics.h"
#include "enrich/enricher.h"
#include "enrich/scrubber.h"
#include "enrich/user_agent.h"
#include "ingest/beacon_parser.h"

namespace sightline {
namespace {

constexpr int64_t kNow = 1795806000000;

// Error messages and stacks as browsers report them; about one in ten carries personal data.
std::vector<std::string> ErrorTexts(size_t n) {
  const char* const kMessages[] = {
      "TypeError: Cannot read properties of undefined (reading 'total')",
      "TypeError: null is not an object (evaluating 'e.target.closest')",
      "ReferenceError: gtag is not defined",
      "Uncaught (in promise) Error: Request failed with status code 503",
      "NetworkError when attempting to fetch resource.",
      "ChunkLoadError: Loading chunk 847 failed. (timeout: "
      "https://shop.example/static/js/847.3f2b8c1e.chunk.js)",
      "SyntaxError: Unexpected token '<', \"<!doctype \"... is not valid JSON",
      "Error: Minified React error #418; visit https://react.dev/errors/418 for the full message",
      "TypeError: Failed to fetch (api.shop.example) at 2026-11-28T05:32:33.120Z after 1234 ms",
      "Error: order 1732771953123 of release 2.4.1 not found",
  };
  const char* const kPersonal[] = {
      "Error: no account for jane.doe@example.com",
      "Error: card 4111 1111 1111 1111 declined for +44 20 7946 0958",
      "Error: upstream 203.0.113.42 refused token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
  };
  const char* const kStack =
      "\n    at CheckoutForm.submit (https://shop.example/static/js/main.8c1e9d4a.js:2:84731)"
      "\n    at HTMLButtonElement.dispatch (https://shop.example/static/js/vendor.3f2b.js:1:12045)"
      "\n    at async pay (https://shop.example/static/js/main.8c1e9d4a.js:2:90112)";
  std::mt19937 rng(7);
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) {
    std::string text = rng() % 10 == 0 ? kPersonal[rng() % std::size(kPersonal)]
                                       : kMessages[rng() % std::size(kMessages)];
    if (rng() % 2 == 0) text += kStack;
    out.push_back(std::move(text));
  }
  return out;
}

std::vector<std::string> Urls(size_t n) {
  const char* const kUrls[] = {
      "https://shop.example/products/12345?utm_source=newsletter&utm_medium=email&color=%23ff00aa",
      "https://shop.example/checkout/payment",
      "https://shop.example/search?q=running+shoes&page=2&sort=price_asc",
      "https://shop.example/account/orders/3f2b8c1e-9d4a-4e7b-8f6a-2c1d0e9b8a7f",
      "https://api.shop.example/v2/cart/items?session=ab12cd34&currency=EUR",
      "https://shop.example/reset?token=Zm9vYmFyYmF6cXV4MTIzNDU2&email=jane%40example.com",
      "https://shop.example/blog/top-10-tips-for-2024#comments",
      "https://cdn.shop.example/img/hero-1280x800.avif",
  };
  std::mt19937 rng(11);
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) out.push_back(kUrls[rng() % std::size(kUrls)]);
  return out;
}

void ScrubTexts(benchmark::State& state, const std::vector<std::string>& texts) {
  PiiScrubber scrubber(PrivacyConfig().secret_params);
  PiiCounts counts{};
  size_t i = 0, bytes = 0;
  std::string work;
  for (auto _ : state) {
    const std::string& text = texts[i++ % texts.size()];
    work.assign(text);
    scrubber.Scrub(&work, &counts);
    benchmark::DoNotOptimize(work.data());
    bytes += text.size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

void BM_ScrubErrorMessages(benchmark::State& state) { ScrubTexts(state, ErrorTexts(4096)); }
BENCHMARK(BM_ScrubErrorMessages);

void BM_ScrubUrls(benchmark::State& state) { ScrubTexts(state, Urls(4096)); }
BENCHMARK(BM_ScrubUrls);

const UserAgentParser& Parser() {
  static const std::unique_ptr<UserAgentParser> parser =
      std::move(UserAgentParser::Load(UserAgentConfig().regexes)).value();
  return *parser;
}

// Distinct user agents: uap-core's own test strings.
std::vector<std::string> UserAgents() {
  std::vector<std::string> out;
  for (const YAML::Node& c :
       YAML::LoadFile("/usr/share/uap-core/tests/test_ua.yaml")["test_cases"]) {
    out.push_back(c["user_agent_string"].as<std::string>());
  }
  return out;
}

void BM_ParseUserAgentUncached(benchmark::State& state) {
  std::vector<std::string> uas = UserAgents();
  const UserAgentParser& parser = Parser();
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(parser.Parse(uas[i++ % uas.size()]));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_ParseUserAgentUncached);

void BM_ParseUserAgentCached(benchmark::State& state) {
  std::vector<std::string> uas = UserAgents();
  uas.resize(200);  // real traffic: a few hundred strings make most of it
  UserAgentCache cache(&Parser(), 10000);
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(&cache.Parse(uas[i++ % uas.size()]));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_ParseUserAgentCached);

// The whole stage on generated beacons: user agent (cached), routes and scrubbing (no geo).
void BM_EnrichBeacon(benchmark::State& state) {
  BeaconGenerator generator(7);
  LimitsConfig limits;
  BeaconParser parser(limits);
  std::vector<EventBatch> batches;
  size_t bytes_per_round = 0;
  for (int i = 0; i < 256; ++i) {
    std::string body = generator.Next(kNow, "bench-key");
    ParsedBeacon parsed;
    if (!parser.Parse(body, kNow, &parsed)) {
      batches.push_back(std::move(parsed.batch));
      bytes_per_round += body.size();
    }
  }
  std::vector<std::string> uas = UserAgents();
  uas.resize(200);
  PiiScrubber scrubber(PrivacyConfig().secret_params);
  EnrichResources resources;
  resources.user_agents = &Parser();
  resources.scrubber = &scrubber;
  MetricsRegistry metrics;
  Enricher enricher(resources, &metrics);
  ProjectConfig project;
  size_t i = 0, events = 0, bytes = 0;
  EventBatch work;
  for (auto _ : state) {
    state.PauseTiming();
    work = batches[i % batches.size()];
    state.ResumeTiming();
    Visitor visitor{boost::asio::ip::make_address("127.0.0.1"), uas[i % uas.size()], {}};
    enricher.Enrich(visitor, project, &work);
    events += work.events.size();
    bytes += bytes_per_round / batches.size();
    ++i;
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EnrichBeacon);

}  // namespace
}  // namespace sightline

BENCHMARK_MAIN();
