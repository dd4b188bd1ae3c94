#include "ingest/beacon_parser.h"

#include <cmath>

#include "ingest/event_reader.h"
#include "ingest/json_error_locator.h"

namespace sightline {

std::string_view RejectReasonName(RejectReason reason) {
  switch (reason) {
    case RejectReason::kNotAnObject:
      return "not_an_object";
    case RejectReason::kUnknownType:
      return "unknown_type";
    case RejectReason::kTimestamp:
      return "timestamp";
    case RejectReason::kMissingField:
      return "missing_field";
    case RejectReason::kInvalidField:
      return "invalid_field";
  }
  return "invalid_field";
}

namespace {

BeaconError InvalidBeacon(std::string field, std::string reason) {
  return {400, "invalid_beacon", std::move(field), std::move(reason)};
}

// Beacon-level fields shared by every event (the context), which events inherit unless they
// have their own value.
struct BeaconContext {
  Event& base;
  std::vector<std::string>& truncated_fields;
};

// Every column of `event` null, keeping its strings' buffers; nothing inherited.
void SetAllNull(Event* event) {
#define SL_SET_NULL(member, kind) SetNull(&event->member);
  SIGHTLINE_EVENT_COLUMNS(SL_SET_NULL)
#undef SL_SET_NULL
  event->inherited = 0;
}

std::optional<BeaconError> ToBeaconError(const FieldCheck& check) {
  if (!check) return std::nullopt;
  return InvalidBeacon(check->field, check->reason);
}

std::optional<BeaconError> ReadContext(simdjson::dom::object root, const LimitsConfig& limits,
                                       BeaconContext* ctx, std::string* key) {
  FieldReader r(root, "", limits, &ctx->truncated_fields);
  Event& e = ctx->base;
  // Beacon envelope.
  double version = 0;
  if (auto err = ToBeaconError(r.Number("v", &version, 1, 1, /*required=*/true))) {
    err->reason = "must be 1 (the only wire format version this server speaks)";
    return err;
  }
  if (auto err = ToBeaconError(r.String("key", key, limits.max_string_bytes))) return err;
  if (auto err = ToBeaconError(r.String("session_id", &e.session_id, 128))) return err;
  if (auto err = ToBeaconError(r.String("page_view_id", &e.page_view_id, 128))) return err;
  std::string consent = "full";
  if (auto err = ToBeaconError(r.String("consent", &consent, 16))) return err;
  if (consent != "full" && consent != "minimal") {
    return InvalidBeacon("consent", "must be \"full\" or \"minimal\"");
  }
  e.consent = consent;
  e.sample_rate = 1;
  if (auto err = ToBeaconError(r.Number("sample_rate", &e.sample_rate, 0, 1, false))) return err;
  if (!(e.sample_rate > 0)) return InvalidBeacon("sample_rate", "must be in (0, 1]");

  simdjson::dom::element context;
  if (root["context"].get(context) == simdjson::SUCCESS && !context.is_null()) {
    simdjson::dom::object obj;
    if (context.get(obj)) return InvalidBeacon("context", "must be an object");
    FieldReader c(obj, "context.", limits, &ctx->truncated_fields);
    const uint32_t max = limits.max_string_bytes;
    for (auto [name, dst] : {std::pair{"url", &e.url},
                             {"referrer", &e.referrer},
                             {"route", &e.route},
                             {"release", &e.release},
                             {"environment", &e.environment},
                             {"service", &e.service}}) {
      if (auto err = ToBeaconError(c.String(name, dst, max))) return err;
    }
    if (auto err = ToBeaconError(c.Object("user", [&](FieldReader& u) -> FieldCheck {
          if (auto check = u.String("id", &e.user_id, 256)) return check;
          return u.String("tier", &e.tier, 64);
        }))) {
      return err;
    }
    if (auto err = ToBeaconError(c.StringList("flags", &e.flags, 64, 256))) return err;
    if (auto err = ToBeaconError(c.Object("network", [&](FieldReader& n) -> FieldCheck {
          if (auto check = n.String("effective_type", &e.connection, 16)) return check;
          if (auto check = n.Number("rtt", &e.rtt, 0, 600000, false)) return check;
          if (auto check = n.Number("downlink", &e.downlink, 0, 100000, false)) return check;
          return n.Bool("save_data", &e.save_data);
        }))) {
      return err;
    }
  }
  if (e.consent == "minimal") {
    // Minimal consent: nothing that identifies a person or a visit is stored.
    e.session_id.clear();
    e.page_view_id.clear();
    e.user_id.clear();
  }
  return std::nullopt;
}

}  // namespace

BeaconParser::BeaconParser(const LimitsConfig& limits) : limits_(limits) {
  // One allocation for the largest document and depth we accept; reused for every beacon.
  // On failure (out of memory) the first Parse() reports it as an error for that beacon.
  // simdjson counts the innermost value as a level of its own: max_depth + 1 lets containers
  // nest limits.max_depth deep with values inside (so only empty containers can go one deeper).
  simdjson::error_code allocated =
      parser_.allocate(limits.max_inflated_bytes, limits.max_depth + 1);
  static_cast<void>(allocated);
}

std::optional<BeaconError> BeaconParser::Parse(std::string_view body, int64_t now_ms,
                                               ParsedBeacon* out) {
  simdjson::dom::element root;
  auto error = parser_.parse(body.data(), body.size()).get(root);
  if (error) {
    if (error == simdjson::UTF8_ERROR) {
      size_t pos = LocateInvalidUtf8(body);
      return BeaconError{400, "invalid_utf8", "", "the body is not valid UTF-8",
                         pos == kNoJsonError ? -1 : static_cast<int64_t>(pos)};
    }
    if (error == simdjson::DEPTH_ERROR) {
      return BeaconError{400, "too_deep", "",
                         "JSON nesting deeper than " + std::to_string(limits_.max_depth)};
    }
    size_t pos = LocateJsonSyntaxError(body);
    return BeaconError{400, "invalid_json", "", simdjson::error_message(error),
                       pos == kNoJsonError ? -1 : static_cast<int64_t>(pos)};
  }
  simdjson::dom::object obj;
  if (root.get(obj)) return InvalidBeacon("", "a beacon must be a JSON object");

  // The context is reused across beacons, like the events: its strings keep their buffers.
  Event& context = out->batch.context;
  SetAllNull(&context);
  context_truncated_.clear();
  BeaconContext ctx{context, context_truncated_};
  out->key.clear();
  if (auto err = ReadContext(obj, limits_, &ctx, &out->key)) return err;
  for (const std::string& field : ctx.truncated_fields)
    out->truncated.push_back({kBeaconLevel, field});
  if (!ctx.truncated_fields.empty()) context.truncated = 1;
  // The route of an event that has neither its own url nor its own route.
  if (context.route.empty() && !context.url.empty()) context.route = UrlPath(context.url);
  const uint64_t context_columns = NonNullColumns(context);

  simdjson::dom::array events;
  simdjson::dom::element events_element;
  if (obj["events"].get(events_element)) return InvalidBeacon("events", "is required");
  if (events_element.get(events)) return InvalidBeacon("events", "must be an array");
  if (events.size() > limits_.max_events_per_beacon) {
    return BeaconError{413, "too_large", "events",
                       std::to_string(events.size()) + " events; at most " +
                           std::to_string(limits_.max_events_per_beacon) + " per beacon"};
  }
  // Events are reused across beacons: assigning into an existing Event keeps its strings' buffers.
  std::vector<Event>& slots = out->batch.events;
  size_t used = 0;
  EventWindow window{now_ms - int64_t{limits_.max_event_age_s} * 1000,
                     now_ms + int64_t{limits_.max_event_future_s} * 1000};
  size_t index = 0;
  std::vector<std::string> truncated;
  for (simdjson::dom::element element : events) {
    if (used == slots.size()) slots.emplace_back();
    Event& event = slots[used];
    SetAllNull(&event);
    truncated.clear();
    std::optional<EventRejection> rejection =
        ReadEvent(element, index, limits_, window, context, &event, &truncated);
    if (rejection) {
      out->rejected.push_back(std::move(*rejection));
    } else {
      for (std::string& field : truncated) out->truncated.push_back({index, std::move(field)});
      if (!truncated.empty()) event.truncated = 1;
      // What the event has of its own it does not inherit; an event of another url than the
      // context's has its own route too (ReadEvent set it).
      uint64_t own = 0;
      if (!event.url.empty()) {
        own |= ColumnBit(ColumnId::url);
        if (event.url != context.url) own |= ColumnBit(ColumnId::route);
      }
      if (!event.route.empty()) own |= ColumnBit(ColumnId::route);
      if (!event.page_view_id.empty()) own |= ColumnBit(ColumnId::page_view_id);
      if (!IsNull(event.truncated)) own |= ColumnBit(ColumnId::truncated);
      event.inherited = context_columns & ~own;
      ++used;
    }
    ++index;
  }
  slots.resize(used);
  return std::nullopt;
}

}  // namespace sightline
