#include "app/beacon_generator.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "app/beacon_json.h"
#include "app/beacon_visit.h"
#include "common/vitals.h"

namespace sightline {
namespace {

using beacon::BeaconJson;
using beacon::Draw;
using beacon::Ev;
using beacon::Planned;
using beacon::ThrowError;
using beacon::ThrownError;
using beacon::Visit;
namespace cat = beacon_catalog;

constexpr std::string_view kSite = "https://shop.example";
constexpr std::string_view kApi = "https://api.shop.example";

double Round1(double v) { return std::round(v * 10) / 10; }

std::string_view Rate(std::string_view name, double v) {
  const VitalThresholds* t = FindVitalThresholds(name);
  if (t == nullptr) return "good";
  return v <= t->good ? "good" : v <= t->poor ? "needs-improvement" : "poor";
}

// Replaces the first "{id}", "{slug}" or "{q}" in `tmpl` with `value`.
std::string Fill(std::string_view tmpl, std::string_view value) {
  std::string out(tmpl);
  size_t open = out.find('{');
  if (open != std::string::npos) out.replace(open, out.find('}', open) - open + 1, value);
  return out;
}

// Writes a Visit's events as JSON. The details that only the JSON needs (durations, statuses,
// ids) are drawn while writing, in output order, so the text still depends on the seed alone.
class Writer {
 public:
  Writer(Draw& d, const Visit& v) : d_(d), v_(v) {}
  BeaconJson& json() { return w_; }
  std::string Take() { return w_.Take(); }

  void Event(const Planned& p) {
    w_.BeginObject();
    switch (p.ev) {
      case Ev::kPageView:
        PageView(p.ts);
        break;
      case Ev::kTtfb:
        Vital(p.ts, "TTFB", Round1(v_.ttfb));
        break;
      case Ev::kFcp:
        Vital(p.ts, "FCP", Round1(v_.fcp));
        break;
      case Ev::kLcp:
        Vital(p.ts, "LCP", Round1(v_.lcp));
        Attribution(v_.route->lcp_element, Fill(v_.route->lcp_url, v_.param), "");
        break;
      case Ev::kFid:
        Vital(p.ts, "FID", Round1(d_.LogNormal(v_.agent->mobile ? 18 : 6, 1.1)));
        Attribution(v_.route->target, "", "pointer");
        break;
      case Ev::kInp: {
        double inp = d_.LogNormalP75(v_.agent->mobile ? 230 : 120, 0.75, d_.Normal());
        Vital(p.ts, "INP", std::max(8.0, std::round(inp / 8) * 8));  // Event Timing's 8 ms grain
        Attribution(v_.route->target, "", v_.route->action == "submit" ? "keyboard" : "pointer");
        break;
      }
      case Ev::kCls: {
        double cls = d_.Chance(0.4) ? 0 : std::round(d_.LogNormal(0.05, 1.2) * 1e4) / 1e4;
        Vital(p.ts, "CLS", cls);
        if (cls > 0) Attribution(d_.Pick(cat::kClsSources), "", "");
        break;
      }
      case Ev::kLoadCall:
        Api(p.ts, "GET", v_.route->load_calls[p.idx]);
        break;
      case Ev::kActionCall:
        Api(p.ts, v_.route->action_method, v_.route->action_call);
        break;
      case Ev::kAction:
        Action(p.ts, v_.route->action, v_.route->target, Feature());
        break;
      case Ev::kExtraAction: {
        const cat::Step& step = d_.Pick(cat::kExtraActions);
        Action(p.ts, step.action, step.target, step.feature);
        break;
      }
      case Ev::kCustom:
        Custom(p.ts);
        break;
      case Ev::kError:
        Error(p.ts);
        break;
      case Ev::kFootprint:
        Footprint(p.ts);
        break;
    }
    w_.EndObject();
  }

 private:
  void Head(std::string_view type, int64_t ts) {
    w_.Key("type");
    w_.String(type);
    w_.Key("ts");
    w_.Int(ts);
  }

  void PageView(int64_t ts) {
    Head("page_view", ts);
    w_.Key("route");
    w_.String(v_.route->tmpl);
    w_.Key("soft");
    w_.Bool(v_.soft);
    if (v_.soft) return;  // a soft navigation has no Navigation Timing entry
    double rtt = std::max(v_.rtt, 10.0);
    double dns = d_.Chance(0.5) ? 0 : d_.LogNormal(15, 1.0);
    double tcp = d_.Chance(0.15) ? 0 : rtt * d_.Uniform(0.9, 1.3);
    double tls = tcp > 0 ? rtt * d_.Uniform(0.9, 1.4) : 0;
    double budget = 0.75 * v_.ttfb;  // keep the connection phases inside TTFB
    if (double setup = dns + tcp + tls; setup > budget) {
      dns *= budget / setup, tcp *= budget / setup, tls *= budget / setup;
    }
    double dom_interactive = v_.ttfb + (v_.fcp - v_.ttfb) * d_.Uniform(0.7, 1.2);
    double dcl = dom_interactive + d_.LogNormal(30, 1.0);
    double load = std::max(dcl, v_.lcp * d_.Uniform(0.8, 1.1)) + d_.LogNormal(300, 0.8);
    const std::array<std::pair<std::string_view, double>, 8> phases = {{
        {"dns", dns},
        {"tcp", tcp},
        {"tls", tls},
        {"request", v_.ttfb - dns - tcp - tls},
        {"ttfb", v_.ttfb},
        {"dom_interactive", dom_interactive},
        {"dom_content_loaded", dcl},
        {"load", load},
    }};
    w_.Key("timing");
    w_.BeginObject();
    for (const auto& [name, ms] : phases) {
      w_.Key(name);
      w_.Double(Round1(ms));
    }
    w_.EndObject();
  }

  void Vital(int64_t ts, std::string_view name, double value) {
    Head("vital", ts);
    w_.Key("name");
    w_.String(name);
    w_.Key("value");
    w_.Double(value);
    w_.Key("rating");
    w_.String(Rate(name, value));
  }

  void Attribution(std::string_view element, std::string_view url, std::string_view interaction) {
    w_.Key("attribution");
    w_.BeginObject();
    w_.Key("element");
    w_.String(element);
    if (!url.empty()) {
      w_.Key("url");
      w_.String(url);
    }
    if (!interaction.empty()) {
      w_.Key("interaction_type");
      w_.String(interaction);
    }
    w_.EndObject();
  }

  void Api(int64_t ts, std::string_view method, std::string_view path) {
    bool payment = path == "/v1/checkout/payment";
    double u = d_.Uniform();
    double server_errors = payment && v_.payment_flow ? 0.06 : 0.015;
    int status = method == "POST" ? 201 : method == "PATCH" ? 204 : 200;
    if (u < server_errors) {
      status = u < server_errors * 0.7 ? 500 : u < server_errors * 0.9 ? 502 : 503;
    } else if (u < server_errors + 0.008) {
      status = 404;
    } else if (u < server_errors + 0.01) {
      status = 429;
    } else if (method == "GET" && u < server_errors + 0.02) {
      status = 304;
    }
    double duration = d_.LogNormal(v_.agent->mobile ? 180 : 110, 0.6) * std::exp(0.3 * v_.z);
    if (payment) duration += d_.LogNormal(900, 0.5);  // the payment provider's round trip
    Head("api_call", ts);
    w_.Key("method");
    w_.String(method);
    w_.Key("url");
    w_.String(std::string(kApi) + Fill(path, v_.param));
    w_.Key("status");
    w_.Int(status);
    w_.Key("duration");
    w_.Double(Round1(duration));
    w_.Key("size");  // the response's Content-Length: none for 204 and 304
    w_.Int(status == 204 || status == 304 ? 0 : static_cast<int64_t>(d_.LogNormal(1800, 1.0)));
    w_.Key("trace_id");
    w_.String(d_.Hex(2));
    w_.Key("span_id");
    w_.String(d_.Hex(1));
  }

  std::string_view Feature() const {
    if (v_.payment_flow && v_.route->id == cat::RouteId::kCheckout) return "new-payment-flow";
    return v_.route->feature;
  }

  void Action(int64_t ts, std::string_view action, std::string_view target,
              std::string_view feature) {
    Head("action", ts);
    w_.Key("action");
    w_.String(action);
    w_.Key("target");
    w_.String(target);
    w_.Key("feature");
    w_.String(feature);
  }

  void Custom(int64_t ts) {
    Head("custom", ts);
    std::string_view name = "newsletter_signup", attribute = "placement",
                     attribute_value = "footer";
    double value = 1;
    switch (v_.route->id) {
      case cat::RouteId::kCheckout:
        name = "checkout", attribute = "currency", attribute_value = "EUR";
        value = std::round(d_.LogNormal(90, 0.7) * 100) / 100;
        break;
      case cat::RouteId::kProduct:
        name = "add_to_cart", attribute = "currency", attribute_value = "EUR";
        value = std::round(d_.LogNormal(45, 0.6) * 100) / 100;
        break;
      case cat::RouteId::kSearch:  // value: results shown
        name = "search", attribute = "source", attribute_value = "search-box";
        value = static_cast<double>(d_.Below(120));
        break;
      default:
        break;
    }
    w_.Key("name");
    w_.String(name);
    w_.Key("value");
    w_.Double(value);
    w_.Key("attributes");
    w_.BeginObject();
    w_.Key(attribute);
    w_.String(attribute_value);
    w_.EndObject();
  }

  // What the agent measures of itself while the page lives: its main-thread time, and the
  // bytes and beacons it sent (the agent's sightline_footprint event).
  void Footprint(int64_t ts) {
    Head("custom", ts);
    w_.Key("name");
    w_.String("sightline_footprint");
    w_.Key("attributes");
    w_.BeginObject();
    w_.Key("script_ms");
    w_.Double(Round1(d_.LogNormal(v_.agent->mobile ? 14 : 6, 0.6)));
    const int64_t beacons = 1 + static_cast<int64_t>(d_.Below(3));
    w_.Key("bytes_sent");
    w_.Int(beacons * static_cast<int64_t>(d_.LogNormal(1500, 0.4)));
    w_.Key("beacons");
    w_.Int(beacons);
    w_.Key("agent_errors");
    w_.Int(0);
    w_.EndObject();
  }

  void Error(int64_t ts) {
    const ThrownError t = ThrowError(d_, v_, kSite);
    const cat::ErrorTemplate& e = *t.error;
    Head("error", ts);
    w_.Key("kind");
    w_.String(e.kind);
    w_.Key("message");
    w_.String(t.message);
    w_.Key("stack");
    w_.String(t.stack);
    w_.Key("file");
    w_.String(t.file);
    w_.Key("line");
    w_.Int(e.frames[0].line);
    w_.Key("column");
    w_.Int(e.frames[0].column);
    w_.Key("breadcrumbs");
    w_.BeginArray();
    Crumb("navigation", v_.path, v_.start);
    for (int plan_idx = 0; plan_idx < v_.planned; ++plan_idx) {
      const Planned& p = v_.plan[plan_idx];
      if (p.ev == Ev::kAction && p.ts <= ts) Crumb(v_.route->action, v_.route->target, p.ts);
    }
    w_.EndArray();
  }

  void Crumb(std::string_view type, std::string_view target, int64_t ts) {
    w_.BeginObject();
    w_.Key("type");
    w_.String(type);
    w_.Key("target");
    w_.String(target);
    w_.Key("ts");
    w_.Int(ts);
    w_.EndObject();
  }

  Draw& d_;
  const Visit& v_;
  BeaconJson w_{2560};  // a beacon is 1-3 KB
};

// The beacon's "context": page, release, user, flags, and the network where the browser tells.
void WriteContext(Draw& d, const Visit& v, bool identified, BeaconJson& w) {
  w.Key("context");
  w.BeginObject();
  w.Key("url");
  w.String(std::string(kSite) + v.path);
  w.Key("route");  // the template, so every event groups by it (the server would use the path)
  w.String(v.route->tmpl);
  w.Key("referrer");
  if (v.soft || d.Chance(0.2)) {
    w.String(std::string(kSite) + "/category/" + std::string(d.Pick(cat::kCategories)));
  } else {
    static constexpr std::array<std::string_view, 8> kReferrers = {
        "https://www.google.com/", "https://www.google.com/",  "https://www.google.com/", "", "",
        "https://t.co/",           "https://l.instagram.com/", "https://duckduckgo.com/"};
    w.String(d.Pick(kReferrers));
  }
  w.Key("release");
  w.String(v.release->version);
  w.Key("environment");
  w.String(d.Chance(0.03) ? "staging" : "production");
  w.Key("service");
  w.String("shop-web");
  if (identified && d.Chance(0.45)) {  // signed in
    uint64_t user = 1 + d.Below(200000);
    uint64_t bucket = user * 2654435761u % 100;  // a user keeps their tier across visits
    w.Key("user");
    w.BeginObject();
    w.Key("id");
    w.String("u_" + std::to_string(user));
    w.Key("tier");
    w.String(bucket < 70 ? "free" : bucket < 95 ? "paid" : "enterprise");
    w.EndObject();
  }
  w.Key("flags");
  w.BeginArray();
  for (const cat::Flag& flag : cat::kFlags) {
    if (flag.name == "new-payment-flow" ? v.payment_flow : d.Chance(flag.rollout)) {
      w.String(flag.name);
    }
  }
  w.EndArray();
  if (v.agent->family == cat::Family::kChromium) {  // only Chromium has navigator.connection
    w.Key("network");
    w.BeginObject();
    w.Key("effective_type");
    w.String(v.ect);
    w.Key("rtt");
    w.Double(v.rtt);
    w.Key("downlink");
    w.Double(v.downlink);
    w.Key("save_data");
    w.Bool(d.Chance(v.agent->mobile ? 0.03 : 0.005));
    w.EndObject();
  }
  w.EndObject();
}

}  // namespace

BeaconGenerator::BeaconGenerator(uint64_t seed) : rng_(seed) {}

std::string BeaconGenerator::Next(int64_t now_ms, std::string_view key) {
  Draw d(&rng_);
  const Visit v = beacon::PlanVisit(d, now_ms);
  user_agent_ = v.agent->ua;

  bool identified = !d.Chance(0.03);  // 3% of visitors gave minimal consent: no identifiers
  double u = d.Uniform();
  Writer out(d, v);
  BeaconJson& w = out.json();
  w.BeginObject();
  w.Key("v");
  w.Int(1);
  w.Key("key");
  w.String(key);
  if (identified) {
    w.Key("session_id");
    w.String(d.Id(21));
    w.Key("page_view_id");
    w.String(d.Id(16));
  }
  w.Key("consent");
  w.String(identified ? "full" : "minimal");
  w.Key("sample_rate");
  w.Double(u < 0.8 ? 1 : u < 0.92 ? 0.5 : 0.1);
  WriteContext(d, v, identified, w);
  w.Key("events");
  w.BeginArray();
  for (int plan_idx = 0; plan_idx < v.planned; ++plan_idx) out.Event(v.plan[plan_idx]);
  w.EndArray();
  w.EndObject();
  return out.Take();
}

}  // namespace sightline
