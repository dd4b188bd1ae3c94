#include "enrich/enricher.h"

#include "enrich/routes.h"
#include "enrich/sampling.h"

namespace sightline {
namespace {

// The columns enrichment sets on a beacon's context, shared by all its events.
constexpr uint64_t kVisitorColumns = ColumnBit(ColumnId::country) | ColumnBit(ColumnId::region) |
                                     ColumnBit(ColumnId::city) | ColumnBit(ColumnId::device) |
                                     ColumnBit(ColumnId::browser) |
                                     ColumnBit(ColumnId::browser_version) |
                                     ColumnBit(ColumnId::os) | ColumnBit(ColumnId::os_version);

// The text columns a page, a user or a faulty agent can put personal data in.
constexpr std::string Event::*kFreeText[] = {
    &Event::url,         &Event::referrer, &Event::route,  &Event::release, &Event::environment,
    &Event::service,     &Event::user_id,  &Event::tier,   &Event::flags,   &Event::name,
    &Event::attribution, &Event::message,  &Event::stack,  &Event::file,    &Event::breadcrumbs,
    &Event::request_url, &Event::action,   &Event::target, &Event::feature, &Event::attributes,
};
constexpr ColumnId kFreeTextColumns[] = {
    ColumnId::url,         ColumnId::referrer, ColumnId::route,       ColumnId::release,
    ColumnId::environment, ColumnId::service,  ColumnId::user_id,     ColumnId::tier,
    ColumnId::flags,       ColumnId::name,     ColumnId::attribution, ColumnId::message,
    ColumnId::stack,       ColumnId::file,     ColumnId::breadcrumbs, ColumnId::request_url,
    ColumnId::action,      ColumnId::target,   ColumnId::feature,     ColumnId::attributes,
};
static_assert(std::size(kFreeText) == std::size(kFreeTextColumns));

std::string Lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

}  // namespace

bool IsFreeTextColumn(ColumnId column) {
  for (ColumnId c : kFreeTextColumns) {
    if (c == column) return true;
  }
  return false;
}

GeoResult Locate(const EnrichResources& resources, const boost::asio::ip::address& address) {
  for (const GeoLocator* geo : {resources.cities, resources.countries}) {
    if (geo == nullptr) continue;
    GeoResult where = geo->Lookup(address);
    if (!where.country.empty()) return where;
  }
  return {};
}

Enricher::Enricher(const EnrichResources& resources, MetricsRegistry* metrics)
    : resources_(resources) {
  if (resources_.user_agents != nullptr) {
    user_agent_cache_ =
        std::make_unique<UserAgentCache>(resources_.user_agents, resources_.user_agent_cache_size);
  }
  bot_beacons_ = &metrics->AddCounter("sightline_bot_beacons_total",
                                      "Beacons from crawlers, counted and not stored");
  bot_events_ = &metrics->AddCounter("sightline_bot_events_total",
                                     "Events in beacons from crawlers, not stored");
  sampled_out_ = &metrics->AddCounter(
      "sightline_events_sampled_out_total",
      "Events of sessions the project's sampling rules do not keep, not stored");
  const std::string cache_help = "User-Agent strings looked up in the parse cache, by result";
  user_agent_hits_ =
      &metrics->AddCounter("sightline_user_agent_cache_total", cache_help, "result=\"hit\"");
  user_agent_misses_ =
      &metrics->AddCounter("sightline_user_agent_cache_total", cache_help, "result=\"miss\"");
  for (size_t t = 0; t < kPiiTypes; ++t) {
    redactions_[t] = &metrics->AddCounter(
        "sightline_pii_redactions_total", "Personal data removed from stored events, by type",
        "type=\"" + Lowered(PiiTypeName(static_cast<PiiType>(t))) + "\"");
  }
}

void Enricher::ScrubEvent(Event* event, uint64_t skip, PiiCounts* counts) {
  for (size_t f = 0; f < std::size(kFreeText); ++f) {
    if (skip & ColumnBit(kFreeTextColumns[f])) continue;
    std::string& text = event->*kFreeText[f];
    if (!text.empty()) resources_.scrubber->Scrub(&text, counts);
  }
}

bool Enricher::Enrich(const Visitor& visitor, const ProjectConfig& project, EventBatch* batch) {
  Event& context = batch->context;

  if (resources_.user_agents != nullptr && !visitor.user_agent.empty()) {
    size_t misses = user_agent_cache_->misses();
    const UserAgentInfo& info = user_agent_cache_->Parse(visitor.user_agent);
    (user_agent_cache_->misses() != misses ? user_agent_misses_ : user_agent_hits_)->Inc();
    ClientSoftware software = DescribeClient(info, visitor.user_agent, visitor.hints);
    if (software.device_type == "bot") {
      bot_beacons_->Inc();
      bot_events_->Inc(batch->events.size());
      batch->events.clear();
      return false;
    }
    context.device = std::move(software.device_type);
    context.browser = std::move(software.browser);
    context.browser_version = std::move(software.browser_version);
    context.os = std::move(software.os);
    context.os_version = std::move(software.os_version);
    if (context.browser == "Other") context.browser.clear();
    if (context.os == "Other") context.os.clear();
  }
  GeoResult where = Locate(resources_, visitor.address);
  context.country = std::move(where.country);
  context.region = std::string(where.region);
  context.city = std::move(where.city);
  const uint64_t visitor_columns = NonNullColumns(context) & kVisitorColumns;

  // Session sampling: a session not kept loses its events but its errors, which are kept at
  // error_sample_rate (a second draw, the agent's); what is kept records the probability it had
  // of being kept: r for a kept session's events, r + (1 - r) * error_sample_rate for errors.
  const double rate = SessionSampleRate(project.sampling, context.country, context.region,
                                        context.tier, context.flags);
  if (rate < 1 && !context.session_id.empty()) {
    const double error_rate = rate + (1 - rate) * project.sampling.error_sample_rate;
    const bool kept = SessionDraw(context.session_id) < rate;
    const bool errors_kept =
        kept || SessionDraw("error:" + context.session_id) < project.sampling.error_sample_rate;
    const double beacon_rate = IsNull(context.sample_rate) ? 1.0 : context.sample_rate;
    const uint64_t rate_bit = ColumnBit(ColumnId::sample_rate);
    size_t out = 0;
    for (size_t i = 0; i < batch->events.size(); ++i) {
      Event& event = batch->events[i];
      const bool error = event.type == "error";
      if (!(error ? errors_kept : kept)) continue;
      double stated = (event.inherited & rate_bit) || IsNull(event.sample_rate) ? beacon_rate
                                                                                : event.sample_rate;
      event.sample_rate = std::min(stated, error ? error_rate : rate);
      event.inherited &= ~rate_bit;
      if (out != i) std::swap(batch->events[out], event);
      ++out;
    }
    sampled_out_->Inc(batch->events.size() - out);
    batch->events.resize(out);
  }

  if (!context.route.empty())
    context.route = RouteOf(context.route, project.routes, project.hash_routes);
  PiiCounts counts{};
  if (resources_.scrubber != nullptr) ScrubEvent(&context, 0, &counts);
  for (Event& event : batch->events) {
    event.inherited |= visitor_columns;
    if (!event.route.empty())
      event.route = RouteOf(event.route, project.routes, project.hash_routes);
    if (resources_.scrubber != nullptr) ScrubEvent(&event, event.inherited, &counts);
    // A server span names its route itself (http.route): free text like the others.
    if (!event.request_route.empty()) {
      if (resources_.scrubber != nullptr) resources_.scrubber->Scrub(&event.request_route, &counts);
    } else if (!event.request_url.empty()) {
      event.request_route = RequestRouteOf(event.request_url);
    }
  }
  for (size_t t = 0; t < kPiiTypes; ++t) {
    if (counts[t] > 0) redactions_[t]->Inc(counts[t]);
  }
  return true;
}

}  // namespace sightline
