#include "app/loadgen.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <string_view>

#include "app/beacon_generator.h"
#include "app/loadgen_client.h"
#include "common/env.h"

namespace sightline {
namespace {

constexpr std::string_view kUsage =
    "usage: sightline loadgen --target URL --key K --rate N --duration S [--connections C]\n"
    "                         [--seed X] [--origin O] [--ledger FILE]\n"
    "       sightline loadgen --print-beacon --key K [--seed X]\n"
    "\n"
    "  --target URL     http://HOST[:PORT][/PATH]; PATH defaults to /v1/beacon\n"
    "  --key K          the project's ingest key, written into every beacon\n"
    "  --rate N         beacons/s over all connections; 0 sends as fast as the server answers\n"
    "  --duration S     seconds to send for; requests still in flight then get 3 s more\n"
    "  --connections C  keep-alive connections, one request in flight on each (default 8)\n"
    "  --seed X         seed of the beacon generator (default 1)\n"
    "  --origin O       send this Origin header, as a browser on that site would (default:\n"
    "                   none, as a server-side sender; the project's allowed_origins apply)\n"
    "  --ledger FILE    append 'sent SESSION EVENTS' before each request and 'acked SESSION\n"
    "                   ACCEPTED' after each 202, each line written at once (survives kill -9)\n"
    "  --print-beacon   print one realistic beacon on stdout and exit\n";

struct Args {
  std::string target, key, origin, ledger;
  double rate = -1, duration_s = -1;
  int connections = 8;
  uint64_t seed = 1;
  bool print_beacon = false, help = false;
};

template <typename T>
bool ParseNumber(std::string_view text, T* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

Status SetOption(std::string_view name, std::string_view value, Args* a) {
  auto bad = [&](std::string_view expected) {
    return Status::InvalidArgument(std::string(name) + " expects " + std::string(expected) +
                                   ", got '" + std::string(value) + "'");
  };
  if (name == "--target") {
    a->target = value;
  } else if (name == "--key") {
    a->key = value;
  } else if (name == "--ledger") {
    a->ledger = value;
  } else if (name == "--origin") {
    bool printable = std::all_of(value.begin(), value.end(), [](char c) {
      return static_cast<unsigned char>(c) > 0x20 && c != 0x7f;
    });
    if (!printable) return bad("an origin such as https://shop.example");
    a->origin = value;
  } else if (name == "--rate") {
    if (!ParseNumber(value, &a->rate) || !(a->rate >= 0 && a->rate <= 1e7)) {
      return bad("beacons/s in [0, 1e7]");
    }
  } else if (name == "--duration") {
    if (!ParseNumber(value, &a->duration_s) || !(a->duration_s > 0 && a->duration_s <= 86400)) {
      return bad("seconds in (0, 86400]");
    }
  } else if (name == "--connections") {
    if (!ParseNumber(value, &a->connections) || a->connections < 1 || a->connections > 10000) {
      return bad("a count in [1, 10000]");
    }
  } else if (name == "--seed") {
    if (!ParseNumber(value, &a->seed)) return bad("an unsigned integer");
  } else {
    return Status::InvalidArgument("unknown option " + std::string(name));
  }
  return Status::Ok();
}

// Accepts "--name value" and "--name=value". `args` may start with the subcommand's own name.
Result<Args> ParseArgs(const std::vector<std::string>& args) {
  Args a;
  size_t first = !args.empty() && args[0] == "loadgen" ? 1 : 0;
  for (size_t arg_idx = first; arg_idx < args.size(); ++arg_idx) {
    std::string_view arg = args[arg_idx];
    if (arg == "--print-beacon") {
      a.print_beacon = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      a.help = true;
      continue;
    }
    std::string_view name = arg, value;
    if (size_t eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    } else if (arg.starts_with("--") && arg_idx + 1 < args.size()) {
      value = args[++arg_idx];
    } else {
      return Status::InvalidArgument(arg.starts_with("--")
                                         ? std::string(arg) + " needs a value"
                                         : "unexpected argument " + args[arg_idx]);
    }
    SL_RETURN_IF_ERROR(SetOption(name, value, &a));
  }
  if (a.help) return a;
  if (a.key.empty()) return Status::InvalidArgument("--key is required");
  if (a.print_beacon) return a;
  if (a.target.empty()) return Status::InvalidArgument("--target is required");
  if (a.rate < 0) return Status::InvalidArgument("--rate is required (0: as fast as possible)");
  if (a.duration_s < 0) return Status::InvalidArgument("--duration is required");
  return a;
}

std::string Format(const char* format, double a, double b = 0, double c = 0, double d = 0) {
  char buf[160];
  std::snprintf(buf, sizeof(buf), format, a, b, c, d);
  return buf;
}

void PrintReport(const std::string& url, const LoadOptions& o, const LoadReport& r,
                 std::ostream& out) {
  out << "target        " << url << " (" << o.connections << " connections, ";
  if (o.rate > 0) {
    out << Format("rate %g/s", o.rate);
  } else {
    out << "unpaced";
  }
  out << Format(", %g s", o.duration_s) << ", seed " << o.seed << ")\n";
  out << "sent          " << r.sent << "\n";
  out << "acknowledged  " << r.acknowledged << " (HTTP 202)\n";
  uint64_t rejected = 0;
  std::string by_status;
  for (const auto& [status, count] : r.rejected) {
    rejected += count;
    by_status +=
        (by_status.empty() ? "" : ", ") + std::to_string(status) + ": " + std::to_string(count);
  }
  out << "rejected      " << rejected << (by_status.empty() ? "" : " (" + by_status + ")") << "\n";
  out << "errors        " << r.errors
      << (r.first_error.empty() ? "" : " (first: " + r.first_error + ")") << "\n";
  double elapsed = r.elapsed_s > 0 ? r.elapsed_s : 1;
  double answered = static_cast<double>(r.latency_us.count());
  out << Format(
      "achieved      %.1f beacons/s answered (%.1f acknowledged), %.0f events/s, over "
      "%.2f s\n",
      answered / elapsed, static_cast<double>(r.acknowledged) / elapsed,
      static_cast<double>(r.events_acknowledged) / elapsed, r.elapsed_s);
  const LatencyHistogram& h = r.latency_us;
  out << Format("latency ms    p50 %.3f  p90 %.3f  p99 %.3f", h.Quantile(0.5) / 1000,
                h.Quantile(0.9) / 1000, h.Quantile(0.99) / 1000)
      << Format("  max %.3f\n", static_cast<double>(h.max()) / 1000);
}

}  // namespace

int RunLoadgen(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Result<Args> parsed = ParseArgs(args);
  if (!parsed.ok()) {
    err << "loadgen: " << parsed.status().message() << "\n" << kUsage;
    return 2;
  }
  const Args& a = parsed.value();
  if (a.help) {
    out << kUsage;
    return 0;
  }
  if (a.print_beacon) {
    BeaconGenerator gen(a.seed);
    out << gen.Next(Env::Default()->NowMillis(), a.key) << "\n";
    return out.good() ? 0 : 1;
  }
  Result<Target> target = ParseTarget(a.target);
  if (!target.ok()) {
    err << "loadgen: " << target.status().message() << "\n";
    return 2;
  }
  LoadOptions options;
  options.target = std::move(target).value();
  options.key = a.key;
  options.origin = a.origin;
  options.rate = a.rate;
  options.duration_s = a.duration_s;
  options.connections = a.connections;
  options.seed = a.seed;
  options.ledger_path = a.ledger;
  Result<LoadReport> report = RunLoad(options);
  if (!report.ok()) {
    err << "loadgen: " << report.status().message() << "\n";
    return 1;
  }
  PrintReport(a.target, options, report.value(), out);
  if (report->connects == 0) {
    err << "loadgen: could not connect to " << options.target.host_header << ": "
        << report->first_error << "\n";
    return 1;
  }
  return 0;
}

}  // namespace sightline
