#include "app/beacon_visit.h"

#include <algorithm>

namespace sightline::beacon {
namespace {

void ChoosePage(Draw& d, Visit& v) {
  switch (v.route->id) {
    case cat::RouteId::kProduct:
    case cat::RouteId::kCart:
      v.param = std::to_string(1000 + d.Below(4000));
      break;
    case cat::RouteId::kCategory:
      v.param = d.Pick(cat::kCategories);
      break;
    case cat::RouteId::kSearch:
      v.param = d.Pick(cat::kSearches);
      break;
    case cat::RouteId::kBlog:
      v.param = d.Pick(cat::kPosts);
      break;
    default:
      break;
  }
  std::string_view tmpl = v.route->tmpl;
  if (tmpl == "/search") {
    v.path = "/search?q=" + v.param;
  } else if (size_t colon = tmpl.find(':'); colon != std::string_view::npos) {
    v.path = std::string(tmpl.substr(0, colon)) + v.param;
  } else {
    v.path = tmpl;
  }
  if (tmpl == "/search" || v.soft) return;
  double u = d.Uniform();
  if (u < 0.2) {
    static constexpr std::array<std::string_view, 4> kRefs = {"x", "home", "email", "reco"};
    v.path += "?ref=" + std::string(d.Pick(kRefs));
  } else if (u < 0.3) {
    v.path += "?utm_source=newsletter&utm_medium=email&utm_campaign=winter-sale";
  }
}

// Network Information API as Chrome reports it: rtt rounded to 25 ms, downlink to 25 kbit/s and
// capped at 10 Mbit/s, effective type from whichever of the two is worse.
void ChooseNetwork(Draw& d, Visit& v) {
  bool mobile = v.agent->mobile;
  double rtt = (mobile ? 110 : 35) * std::exp((mobile ? 0.85 : 0.6) * v.z);
  double down = (mobile ? 6 : 12) * std::exp(-0.8 * v.z + 0.3 * d.Normal());
  v.rtt = std::min(3000.0, std::round(rtt / 25) * 25);
  v.downlink = std::clamp(std::round(down * 40) / 40, 0.025, 10.0);
  if (v.rtt >= 2000 || v.downlink < 0.05) {
    v.ect = "slow-2g";
  } else if (v.rtt >= 1400 || v.downlink < 0.07) {
    v.ect = "2g";
  } else if (v.rtt >= 270 || v.downlink < 0.7) {
    v.ect = "3g";
  } else {
    v.ect = "4g";
  }
}

// LCP comes from its own log-normal (p75 2.5 s mobile, 1.8 s desktop) so its distribution is
// exact; FCP and TTFB are fractions of it, which keeps TTFB <= FCP <= LCP.
void ChooseLoading(Draw& d, Visit& v) {
  double w = 0.7 * v.z + 0.71414284285 * d.Normal();  // N(0, 1), correlated with the network
  v.lcp = v.agent->mobile ? d.LogNormalP75(2500, 0.65, w) : d.LogNormalP75(1800, 0.6, w);
  v.fcp = d.Chance(0.3) ? v.lcp : v.lcp * d.Uniform(0.45, 0.95);
  v.ttfb = v.fcp * d.Uniform(0.2, 0.6);
}

// Timeline of the page view: loading, an interaction a few seconds later, and the page hidden
// (which sends the beacon, with the final INP and CLS) a few seconds after that.
void Plan(Draw& d, int64_t now_ms, Visit& v) {
  bool hard = !v.soft;
  double loaded = hard ? std::max(v.lcp, v.fcp + 300) : d.Uniform(50, 400);
  double action = loaded + d.LogNormal(3500, 0.9);
  double dwell = std::min<double>(kMaxDwellMs, action + d.LogNormal(4000, 0.9));
  action = std::min(action, dwell - 50);
  v.start = now_ms - static_cast<int64_t>(dwell);
  v.Add(0, Ev::kPageView);
  if (hard) {
    v.Add(v.ttfb, Ev::kTtfb);
    v.Add(v.fcp, Ev::kFcp);
    v.Add(std::min(v.lcp, dwell), Ev::kLcp);
    if (d.Chance(0.1)) v.Add(action, Ev::kFid);
  }
  int load_calls = d.Chance(0.5) ? 1 : 2;
  for (int call_idx = 0; call_idx < load_calls; ++call_idx) {
    v.Add((hard ? v.ttfb : 0) + d.Uniform(20, 600), Ev::kLoadCall, call_idx);
  }
  v.Add(action, Ev::kAction);
  if (!v.route->action_call.empty()) v.Add(action + d.Uniform(2, 30), Ev::kActionCall);
  if (d.Chance(0.3)) v.Add(d.Uniform(loaded, dwell), Ev::kExtraAction);
  if (d.Chance(v.route->custom_chance))
    v.Add(std::min(dwell, action + d.Uniform(50, 900)), Ev::kCustom);
  bool checkout = v.route->id == cat::RouteId::kCheckout;
  if (d.Chance(checkout && v.payment_flow ? 0.3 : 0.09)) {
    v.Add(d.Uniform(hard ? v.ttfb : 0, dwell), Ev::kError);
  }
  v.Add(dwell - d.Uniform(0, 30), Ev::kInp);
  v.Add(dwell - d.Uniform(0, 30), Ev::kCls);
  v.Add(dwell, Ev::kFootprint);
  std::sort(v.plan.begin(), v.plan.begin() + v.planned);
}

}  // namespace

Visit PlanVisit(Draw& d, int64_t now_ms) {
  Visit v;
  v.agent = &d.Weighted(cat::kAgents);
  v.route = &d.Weighted(cat::kRoutes);
  v.release = &d.Weighted(cat::kReleases);
  v.soft = d.Chance(0.15);
  v.payment_flow = d.Chance(0.3);
  v.z = d.Normal();
  ChoosePage(d, v);
  ChooseNetwork(d, v);
  ChooseLoading(d, v);
  Plan(d, now_ms, v);
  return v;
}

ThrownError ThrowError(Draw& d, const Visit& v, std::string_view site) {
  ThrownError t;
  t.error = &d.Weighted(cat::kErrors);
  const cat::ErrorTemplate& e = *t.error;
  const bool v8 = v.agent->family == cat::Family::kChromium;
  t.message = e.message[static_cast<size_t>(v.agent->family)];
  t.file = std::string(site) + "/static/" + std::string(e.bundle) + "." +
           std::string(v.release->bundle_hash) + ".js";
  if (v8) t.stack = std::string(e.kind) + ": " + std::string(t.message);
  for (const cat::Frame& f : e.frames) {
    std::string pos = t.file + ":" + std::to_string(f.line) + ":" + std::to_string(f.column);
    if (v8) {
      t.stack += "\n    at " + std::string(f.function) + " (" + pos + ")";
    } else {
      t.stack += (t.stack.empty() ? "" : "\n") + std::string(f.function) + "@" + pos;
    }
  }
  return t;
}

}  // namespace sightline::beacon
