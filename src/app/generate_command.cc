#include "app/generate_command.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>

#include "app/beacon_visit.h"
#include "common/config.h"
#include "common/json_writer.h"
#include "common/time_parse.h"
#include "enrich/geo.h"
#include "enrich/user_agent.h"

namespace sightline {
namespace {

namespace cat = beacon_catalog;
using beacon::Draw;
using beacon::Ev;
using beacon::Visit;

constexpr const char* kUsage =
    "usage: sightline generate [--vitals N] [--days D] [--end TIME] [--project P] [--seed S]\n"
    "Writes realistic stored events, one JSON object per line (the columns of\n"
    "docs/storage-format.md plus \"project\"), for `sightline import`: sessions of one to five\n"
    "page views spread over the D days (default 7) before TIME (default now), each page view\n"
    "with its vitals and the JavaScript errors some throw (the load generator's distributions\n"
    "and stacks), and a checkout_completed event in the sessions that convert (less often the\n"
    "slower their first page). Stops after N vital\n"
    "events (default 1000000). Deterministic for a seed (default 1) and TIME.\n";

// Visitors' countries, weighted roughly as a global shop's traffic.
struct Country {
  std::string_view code;
  int weight;
};
constexpr std::array<Country, 24> kCountries = {{
    {"US", 260}, {"IN", 120}, {"DE", 60}, {"GB", 60}, {"BR", 50}, {"FR", 40},
    {"JP", 40},  {"CA", 30},  {"ID", 30}, {"MX", 30}, {"ES", 25}, {"IT", 25},
    {"AU", 20},  {"NL", 20},  {"PL", 15}, {"TR", 15}, {"KR", 15}, {"NG", 15},
    {"ZA", 10},  {"AR", 10},  {"SE", 10}, {"EG", 10}, {"VN", 10}, {"PH", 10},
}};

// The probability that a session converts, given its first page's LCP: 12% when fast, falling
// by a fifth per second beyond 2 s (the seed's "users with LCP > 3 s convert less").
double ConversionChance(double lcp_ms) {
  return 0.12 * std::exp(-0.22 * std::max(0.0, lcp_ms - 2000) / 1000);
}

}  // namespace

int RunGenerate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  uint64_t vitals = 1000000, seed = 1;
  int64_t days = 7;
  int64_t end_ms = 0;
  std::string project = "demo";
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto number = [&](uint64_t* into, uint64_t lo, uint64_t hi) {
      if (i + 1 >= args.size()) return false;
      char* rest = nullptr;
      *into = std::strtoull(args[++i].c_str(), &rest, 10);
      return *rest == '\0' && *into >= lo && *into <= hi;
    };
    if (a == "--help" || a == "-h") {
      out << kUsage;
      return 0;
    } else if (a == "--vitals") {
      if (!number(&vitals, 1, uint64_t{1} << 40)) {
        err << "sightline generate: --vitals must be a positive integer\n";
        return 2;
      }
    } else if (a == "--days") {
      uint64_t d;
      if (!number(&d, 1, 3650)) {
        err << "sightline generate: --days must be in [1, 3650]\n";
        return 2;
      }
      days = static_cast<int64_t>(d);
    } else if (a == "--seed") {
      if (!number(&seed, 0, UINT64_MAX)) {
        err << "sightline generate: --seed must be an integer\n";
        return 2;
      }
    } else if (a == "--end" && i + 1 < args.size()) {
      std::optional<int64_t> t = ParseTimestamp(args[++i]);
      if (!t) {
        err << "sightline generate: --end must be ISO-8601 or epoch milliseconds\n";
        return 2;
      }
      end_ms = *t;
    } else if (a == "--project" && i + 1 < args.size()) {
      project = args[++i];
    } else {
      err << "sightline generate: unexpected \"" << a << "\"\n" << kUsage;
      return 2;
    }
  }
  if (end_ms == 0)
    end_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();

  // Device, browser and OS of each catalog agent, as the collector's enrichment names them.
  Result<std::unique_ptr<UserAgentParser>> parser =
      UserAgentParser::Load(UserAgentConfig{}.regexes);
  if (!parser.ok()) {
    err << "sightline generate: " << parser.status().ToString() << "\n";
    return 2;
  }
  std::array<ClientSoftware, cat::kAgents.size()> software;
  for (size_t a = 0; a < cat::kAgents.size(); ++a) {
    software[a] = DescribeClient((*parser)->Parse(cat::kAgents[a].ua), cat::kAgents[a].ua, {});
  }

  std::mt19937_64 rng(seed);
  Draw d(&rng);
  // Sessions start in time order, at the share of the days that the vitals written so far are
  // of all, plus a jitter of about one session's share: the days fill evenly whatever a session
  // holds.
  const double span_ms = static_cast<double>(days) * 86400000.0;
  const double start_ms = static_cast<double>(end_ms) - span_ms;
  const double jitter_ms = span_ms * 14.0 / static_cast<double>(vitals);
  uint64_t written = 0;
  std::string line;
  auto emit = [&](JsonWriter& w) {
    line = w.Take();
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stdout);
  };
  while (written < vitals) {
    const double t =
        std::min(static_cast<double>(end_ms) - 1,
                 start_ms + span_ms * static_cast<double>(written) / static_cast<double>(vitals) +
                     d.Uniform() * jitter_ms);
    const std::string session = d.Id(16);
    const std::string_view country = d.Weighted(kCountries).code;
    const int pages = 1 + static_cast<int>(std::min<uint64_t>(4, d.Below(3) + d.Below(3)));
    int64_t page_start = static_cast<int64_t>(t);
    const cat::Agent* agent = nullptr;
    double first_lcp = -1;
    for (int page = 0; page < pages && written < vitals; ++page) {
      // Every page of a session is seen by the same browser.
      Visit v = beacon::PlanVisit(d, page_start + 60000);
      for (int tries = 0; agent != nullptr && v.agent != agent && tries < 64; ++tries) {
        v = beacon::PlanVisit(d, page_start + 60000);
      }
      if (agent == nullptr) agent = v.agent;
      const ClientSoftware& sw = software[static_cast<size_t>(agent - cat::kAgents.data())];
      const std::string page_view = d.Id(16);
      auto head = [&](JsonWriter& w, std::string_view type, int64_t ts) {
        w.BeginObject();
        w.Key("project");
        w.String(project);
        w.Key("ts");
        w.Int(std::min<int64_t>(ts, end_ms - 1));
        w.Key("type");
        w.String(type);
        w.Key("session_id");
        w.String(session);
        w.Key("page_view_id");
        w.String(page_view);
        w.Key("consent");
        w.String("full");
        w.Key("sample_rate");
        w.Int(1);
        w.Key("route");
        w.String(v.route->tmpl);
        w.Key("release");
        w.String(v.release->version);
        w.Key("environment");
        w.String("production");
        w.Key("connection");
        w.String(v.ect);
        w.Key("country");
        w.String(country);
        w.Key("region");
        w.String(RegionOfCountry(country));
        w.Key("device");
        w.String(sw.device_type);
        w.Key("browser");
        w.String(sw.browser);
        w.Key("os");
        w.String(sw.os);
      };
      JsonWriter w;
      head(w, "page_view", v.start);
      w.Key("soft");
      w.Int(v.soft ? 1 : 0);
      w.EndObject();
      emit(w);
      for (int p = 0; p < v.planned && written < vitals; ++p) {
        std::string_view name;
        double value = 0;
        switch (v.plan[p].ev) {
          case Ev::kTtfb:
            name = "TTFB", value = v.ttfb;
            break;
          case Ev::kFcp:
            name = "FCP", value = v.fcp;
            break;
          case Ev::kLcp:
            name = "LCP", value = v.lcp;
            if (first_lcp < 0) first_lcp = v.lcp;
            break;
          case Ev::kFid:
            name = "FID", value = d.LogNormal(agent->mobile ? 18 : 6, 1.1);
            break;
          case Ev::kInp:
            name = "INP";
            value = std::max(
                8.0,
                std::round(d.LogNormalP75(agent->mobile ? 230 : 120, 0.75, d.Normal()) / 8) * 8);
            break;
          case Ev::kCls:
            name = "CLS";
            value = d.Chance(0.4) ? 0 : std::round(d.LogNormal(0.05, 1.2) * 1e4) / 1e4;
            break;
          case Ev::kError: {
            // Errors, as the agent reports them; they do not count towards --vitals.
            const beacon::ThrownError t = beacon::ThrowError(d, v, "https://shop.example");
            head(w, "error", v.plan[p].ts);
            w.Key("kind");
            w.String(t.error->kind);
            w.Key("message");
            w.String(t.message);
            w.Key("stack");
            w.String(t.stack);
            w.Key("file");
            w.String(t.file);
            w.Key("line");
            w.Int(t.error->frames[0].line);
            w.Key("column");
            w.Int(t.error->frames[0].column);
            w.EndObject();
            emit(w);
            continue;
          }
          default:
            continue;
        }
        head(w, "vital", v.plan[p].ts);
        w.Key("name");
        w.String(name);
        w.Key("value");
        w.Double(name == "CLS" ? value : std::round(value * 10) / 10);
        w.EndObject();
        emit(w);
        ++written;
      }
      page_start = v.plan[v.planned - 1].ts + static_cast<int64_t>(d.LogNormal(8000, 0.8));
    }
    if (first_lcp >= 0 && d.Chance(ConversionChance(first_lcp))) {
      JsonWriter w;
      w.BeginObject();
      w.Key("project");
      w.String(project);
      w.Key("ts");
      w.Int(std::min<int64_t>(page_start, end_ms - 1));
      w.Key("type");
      w.String("custom");
      w.Key("session_id");
      w.String(session);
      w.Key("consent");
      w.String("full");
      w.Key("sample_rate");
      w.Int(1);
      w.Key("name");
      w.String("checkout_completed");
      w.Key("country");
      w.String(country);
      w.EndObject();
      emit(w);
    }
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace sightline
