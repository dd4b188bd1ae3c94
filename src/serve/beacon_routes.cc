#include "serve/beacon_routes.h"

#include "common/json_writer.h"
#include "common/strings.h"
#include "enrich/sampling.h"
#include "ingest/body_decoder.h"
#include "serve/http_util.h"

namespace sightline {
namespace {

constexpr int64_t kSweepEveryUs = 10 * 1000 * 1000;

bool AcceptableContentType(std::string_view type) {
  std::string_view base = type.substr(0, type.find(';'));
  while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
  return base.empty() || EqualsIgnoreCase(base, "text/plain") ||
         EqualsIgnoreCase(base, "application/json");
}

}  // namespace

// What one I/O thread's beacon handler reuses between beacons, and its round's group commit.
struct BeaconRoutes::Lane {
  Lane(Store* store, const LimitsConfig& limits, const EnrichResources& enrich,
       MetricsRegistry* metrics)
      : group(store->NewAppendGroup()), parser(limits), enricher(enrich, metrics) {}

  struct Pending {
    HeldRequest request;
    HttpResponse response;  // the 202, sent once the commit succeeded
    size_t events;
  };
  std::unique_ptr<AppendGroup> group;  // this round's beacons, committed together
  std::vector<Pending> pending;        // in group, waiting for CommitPending
  bool commit_posted = false;
  BeaconParser parser;
  Enricher enricher;
  ParsedBeacon parsed;   // reused between beacons
  std::string inflated;  // reused gzip output buffer
  int64_t last_sweep_us = 0;
};

BeaconRoutes::BeaconRoutes(Env* env, size_t io_threads, Store* store, MetricsRegistry* metrics,
                           const Config& config, TrustedProxies proxies,
                           const EnrichResources& enrich)
    : env_(env),
      store_(store),
      limits_(config.limits),
      admission_(config.projects, config.limits),
      proxies_(std::move(proxies)),
      enrich_(enrich),
      beacons_accepted_(metrics->AddCounter("sightline_beacons_total",
                                            "Beacons received, by result", "result=\"accepted\"")),
      events_accepted_(
          metrics->AddCounter("sightline_events_total", "Events stored", "result=\"accepted\"")),
      events_truncated_(metrics->AddCounter("sightline_events_truncated_total",
                                            "Stored events with a text field cut to its limit")),
      bytes_in_(metrics->AddCounter("sightline_ingest_bytes_total", "Beacon body bytes as sent")),
      metrics_(metrics) {
  for (size_t idx = 0; idx < std::size(kAllRejectReasons); ++idx) {
    events_rejected_[idx] = &metrics->AddCounter(
        "sightline_events_rejected_total", "Events rejected, by reason",
        "reason=\"" + std::string(RejectReasonName(kAllRejectReasons[idx])) + "\"");
  }
  for (unsigned status : {400u, 401u, 403u, 413u, 415u, 429u, 503u}) {
    metrics->AddCounter("sightline_beacons_total", "Beacons received, by result",
                        "result=\"" + std::string(IngestResultLabel(status)) + "\"");
  }
  for (size_t idx = 0; idx < io_threads; ++idx) {
    lanes_.push_back(std::make_unique<Lane>(store, config.limits, enrich, metrics));
  }
}

BeaconRoutes::~BeaconRoutes() = default;

void BeaconRoutes::Register(HttpServer* server) {
  server->Handle(
      http::verb::post, "/v1/beacon", "beacon",
      [this](const HttpRequest& req, HttpResponse* res) { return HandleBeacon(req, res); });
  // Pages read why the HTTP layer refused their beacon (too large, malformed) with CORS headers.
  server->WriteRefusalsWith(
      http::verb::post, "/v1/beacon", [this](const Refusal& refusal, HttpResponse* res) {
        SetError(res, refusal.status, refusal.error, refusal.field, refusal.reason);
        if (!refusal.origin.empty() && admission_.AnyProjectAllows(refusal.origin)) {
          res->allow_origin.assign(refusal.origin);
        }
      });
  server->Handle(
      http::verb::options, "/v1/beacon", "beacon_preflight",
      [this](const HttpRequest& req, HttpResponse* res) { return HandlePreflight(req, res); });
  server->Handle(
      http::verb::get, "/v1/config", "config",
      [this](const HttpRequest& req, HttpResponse* res) { return HandleConfig(req, res); });
}

std::string_view BeaconRoutes::ClientOf(const HttpRequest& req, std::string* scratch) const {
  return VisitorAddressOf(req, proxies_, scratch);
}

bool BeaconRoutes::HandleConfig(const HttpRequest& req, HttpResponse* res) {
  std::string key;
  for (auto& [name, value] : ParseQueryString(req.query)) {
    if (name == "key") key = std::move(value);
  }
  const ProjectConfig* project = key.empty() ? nullptr : admission_.ProjectForKey(key);
  if (project == nullptr) {
    SetError(res, 401, "unknown_key", "key", "no project has this ingest key");
    return true;
  }
  std::string_view origin = req.header(http::field::origin);
  if (!Admission::OriginAllowed(*project, origin)) {
    SetError(res, 403, "origin_not_allowed", "Origin",
             "this origin is not in the project's allowed_origins");
    return true;
  }
  if (!origin.empty()) AllowOrigin(origin, res);
  // Where the visitor is: looked up, answered and forgotten (the address is not kept).
  std::string scratch;
  GeoResult where = Locate(enrich_, AddressFromBytes(ClientOf(req, &scratch)));
  const SamplingConfig& sampling = project->sampling;
  const double rate = RegionSampleRate(sampling, where.country, where.region);
  JsonWriter w(std::move(res->body));
  w.BeginObject();
  w.Key("sample_rate");
  w.Double(rate);
  w.Key("error_sample_rate");
  w.Double(sampling.error_sample_rate);
  w.Key("country");
  if (where.country.empty()) {
    w.Null();
  } else {
    w.String(where.country);
  }
  w.Key("region");
  if (where.region.empty()) {
    w.Null();
  } else {
    w.String(where.region);
  }
  for (const auto& [member, rates] : {std::pair{"by_user_tier", &sampling.by_user_tier},
                                      std::pair{"by_feature_flag", &sampling.by_feature_flag}}) {
    w.Key(member);
    w.BeginObject();
    for (const auto& [name, value] : *rates) {
      w.Key(name);
      w.Double(value);
    }
    w.EndObject();
  }
  w.EndObject();
  res->body = w.Take();
  // The answer depends on where the visitor is: a browser may keep it, shared caches may not.
  res->headers.emplace_back("Cache-Control", "private, max-age=300");
  return true;
}

void BeaconRoutes::AllowOrigin(std::string_view origin, HttpResponse* res) const {
  res->allow_origin.assign(origin);
}

void BeaconRoutes::Refuse(const HttpRequest& req, const ProjectConfig* project, HttpResponse* res,
                          unsigned status, std::string_view error, std::string_view field,
                          std::string_view reason) {
  SetError(res, status, error, field, reason);
  // A page of an origin the key's project allows may read why it was refused; without a known
  // project (no or unknown key, unparsable body) no origin is vouched for.
  std::string_view origin = req.header(http::field::origin);
  if (project != nullptr && status != 403 && res->allow_origin.empty() &&
      Admission::OriginAllowed(*project, origin)) {
    AllowOrigin(origin, res);
  }
  // Registration returns the existing counter: a map lookup, on the refusal path only.
  metrics_
      ->AddCounter("sightline_beacons_total", "Beacons received, by result",
                   "result=\"" + std::string(IngestResultLabel(status)) + "\"")
      .Inc();
}

bool BeaconRoutes::Admit(const HttpRequest& req, const ProjectConfig& project, std::string_view key,
                         HttpResponse* res) {
  std::string_view origin = req.header(http::field::origin);
  if (!Admission::OriginAllowed(project, origin)) {
    Refuse(req, &project, res, 403, "origin_not_allowed", "Origin",
           "this origin is not in the project's allowed_origins");
    return false;
  }
  AllowOrigin(origin, res);
  const int64_t now_us = env_->MonotonicMicros();
  Lane& lane = *lanes_[req.io_thread];
  if (now_us - lane.last_sweep_us > kSweepEveryUs) {
    admission_.Sweep(now_us);
    lane.last_sweep_us = now_us;
  }
  std::string forwarded_client;
  if (int64_t wait_s = admission_.TakeRateToken(ClientOf(req, &forwarded_client), key, now_us)) {
    Refuse(req, &project, res, 429, "rate_limited", "",
           "too many beacons; retry after the Retry-After delay");
    res->headers.emplace_back("Retry-After", std::to_string(wait_s));
    return false;
  }
  return true;
}

bool BeaconRoutes::HandleBeacon(const HttpRequest& req, HttpResponse* res) {
  Lane& lane = *lanes_[req.io_thread];
  bytes_in_.Inc(req.body().size());
  if (!AcceptableContentType(req.header(http::field::content_type))) {
    Refuse(req, nullptr, res, 415, "unsupported_media_type", "Content-Type",
           "send text/plain or application/json");
    return true;
  }
  // sendBeacon cannot set headers, so the key may come in the URL; then refuse before decoding.
  std::string url_key;
  for (auto& [name, value] : ParseQueryString(req.query)) {
    if (name == "key") url_key = std::move(value);
  }
  const ProjectConfig* project = nullptr;
  if (!url_key.empty()) {
    project = admission_.ProjectForKey(url_key);
    if (project == nullptr) {
      Refuse(req, nullptr, res, 401, "unknown_key", "key", "no project has this ingest key");
      return true;
    }
    if (!Admit(req, *project, url_key, res)) return true;
  }

  std::string_view body;
  switch (DecodeBody(req.header(http::field::content_encoding), req.body(),
                     limits_.max_inflated_bytes, &lane.inflated, &body)) {
    case DecodeOutcome::kOk:
      break;
    case DecodeOutcome::kUnsupportedEncoding:
      Refuse(req, project, res, 415, "unsupported_encoding", "Content-Encoding",
             "send gzip or no encoding");
      return true;
    case DecodeOutcome::kTooLarge:
      Refuse(req, project, res, 413, "too_large", "body",
             "decoded body larger than limits.max_inflated_bytes (" +
                 std::to_string(limits_.max_inflated_bytes) + " bytes)");
      return true;
    case DecodeOutcome::kCorrupt:
      Refuse(req, project, res, 400, "invalid_gzip", "body",
             "the gzip stream is corrupt or truncated");
      return true;
  }

  lane.parsed.key.clear();
  lane.parsed.rejected.clear();
  lane.parsed.truncated.clear();
  if (std::optional<BeaconError> error = lane.parser.Parse(body, env_->NowMillis(), &lane.parsed)) {
    // A beacon-level field error comes after the body's key was read: it names the project.
    const ProjectConfig* known =
        project != nullptr ? project : admission_.ProjectForKey(lane.parsed.key);
    Refuse(req, known, res, error->http_status, error->error, error->field, error->reason);
    if (error->position >= 0) {  // add the position to the JSON body
      res->body.pop_back();
      res->body += ",\"position\":" + std::to_string(error->position) + "}";
    }
    return true;
  }
  if (project == nullptr) {
    if (lane.parsed.key.empty()) {
      Refuse(req, nullptr, res, 401, "unknown_key", "key",
             "an ingest key is required (\"key\" or ?key=)");
      return true;
    }
    project = admission_.ProjectForKey(lane.parsed.key);
    if (project == nullptr) {
      Refuse(req, nullptr, res, 401, "unknown_key", "key", "no project has this ingest key");
      return true;
    }
    if (!Admit(req, *project, lane.parsed.key, res)) return true;
  }

  lane.parsed.batch.project = project->id;
  for (const EventRejection& r : lane.parsed.rejected) {
    events_rejected_[static_cast<size_t>(r.code)]->Inc();
  }
  // Who and where the visitor is, read from the request and forgotten after this call.
  std::string client_scratch;
  Visitor visitor{AddressFromBytes(ClientOf(req, &client_scratch)),
                  req.header(http::field::user_agent),
                  {req.header(std::string_view("Sec-CH-UA-Mobile")),
                   req.header(std::string_view("Sec-CH-UA-Platform")),
                   req.header(std::string_view("Sec-CH-UA-Platform-Version"))}};
  const bool human = lane.enricher.Enrich(visitor, *project, &lane.parsed.batch);

  JsonWriter w(std::move(res->body));  // the connection's buffer, reused
  w.BeginObject();
  w.Key("accepted");
  w.Int(static_cast<int64_t>(lane.parsed.batch.events.size()));
  WriteRejected(w, lane.parsed.rejected);
  size_t truncated_events = 0;
  size_t last_index = kBeaconLevel;
  w.Key("truncated");
  w.BeginArray();
  for (const FieldTruncation& t : lane.parsed.truncated) {
    w.BeginObject();
    if (t.index != kBeaconLevel) {
      w.Key("index");
      w.Int(static_cast<int64_t>(t.index));
      if (t.index != last_index) ++truncated_events;  // entries of one event are adjacent
      last_index = t.index;
    }
    w.Key("field");
    w.String(t.field);
    w.EndObject();
  }
  w.EndArray();
  if (!human) {  // a crawler's events are counted in /metrics, not stored
    w.Key("bot");
    w.Bool(true);
  }
  w.EndObject();
  events_truncated_.Inc(truncated_events);
  res->status = 202;
  res->body = w.Take();
  if (lane.parsed.batch.events.empty()) {
    beacons_accepted_.Inc();
    return true;  // nothing to store
  }
  // Group commit: the beacons read in this round of the event loop share one WAL write; each is
  // answered once that write is done (the commit runs after the round's other handlers).
  lane.group->Add(lane.parsed.batch);
  lane.pending.push_back({HeldRequest(req), std::move(*res), lane.parsed.batch.events.size()});
  if (!lane.commit_posted) {
    lane.commit_posted = true;
    boost::asio::post(*req.io, [this, &lane] { CommitPending(lane); });
  }
  return false;
}

void BeaconRoutes::CommitPending(Lane& lane) {
  lane.commit_posted = false;
  std::vector<Lane::Pending> pending = std::move(lane.pending);
  lane.pending.clear();
  Status stored = store_->Commit(*lane.group);
  for (Lane::Pending& p : pending) {
    if (stored.ok()) {
      beacons_accepted_.Inc();
      events_accepted_.Inc(p.events);
      p.request.Respond(std::move(p.response));
      continue;
    }
    HttpResponse unavailable;
    unavailable.allow_origin = std::move(p.response.allow_origin);  // keep CORS
    SetError(&unavailable, 503, "unavailable", "",
             "the store could not write the beacon; retry later");
    unavailable.headers.emplace_back("Retry-After", "1");
    metrics_
        ->AddCounter("sightline_beacons_total", "Beacons received, by result",
                     "result=\"unavailable\"")
        .Inc();
    p.request.Respond(std::move(unavailable));
  }
}

bool BeaconRoutes::HandlePreflight(const HttpRequest& req, HttpResponse* res) {
  AnswerIngestPreflight(req, admission_, "Content-Type, Content-Encoding", res);
  return true;
}

}  // namespace sightline
