#include "ingest/event_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "common/json_writer.h"
#include "common/strings.h"

namespace sightline {
namespace {

constexpr double kMaxDurationMs = 3600.0 * 1000;         // one hour: longer "durations" are bogus
constexpr int64_t kMaxResponseBytes = int64_t{1} << 40;  // 1 TiB: larger "sizes" are bogus

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool IsAllZeros(std::string_view s) { return s.find_first_not_of('0') == std::string_view::npos; }

}  // namespace

FieldReader::FieldReader(simdjson::dom::object obj, std::string prefix, const LimitsConfig& limits,
                         std::vector<std::string>* truncated)
    : obj_(obj), prefix_(std::move(prefix)), limits_(limits), truncated_(truncated) {
  for (simdjson::dom::key_value_pair member : obj) {
    if (member_count_ == kMaxIndexed) {
      indexed_ = false;
      break;
    }
    const uint64_t tag = KeyTag(member.key);
    Member& slot_member = members_[member_count_];
    slot_member.tag = tag;
    slot_member.key_data = member.key.data();
    slot_member.key_size = member.key.size();
    new (&slot_member.value) simdjson::dom::element(member.value);
    size_t slot = SlotOf(tag);
    bool duplicate = false;  // a repeated key keeps its first value, as the document's lookup does
    for (; slots_[slot] != 0; slot = (slot + 1) & (kSlots - 1)) {
      const Member& other = members_[slots_[slot] - 1];
      if (other.tag == tag && other.key() == member.key) {
        duplicate = true;
        break;
      }
    }
    if (duplicate) continue;
    slots_[slot] = static_cast<uint8_t>(++member_count_);
  }
}

bool FieldReader::FindInDocument(std::string_view key, simdjson::dom::element* value) const {
  return obj_[key].get(*value) == simdjson::SUCCESS && !value->is_null();
}

FieldCheck FieldReader::Missing(std::string_view key) const {
  return FieldError{Path(key), "is required", RejectReason::kMissingField};
}

FieldCheck FieldReader::Invalid(std::string_view key, std::string reason) const {
  return FieldError{Path(key), std::move(reason), RejectReason::kInvalidField};
}

void FieldReader::AssignTruncated(std::string_view value, size_t max_bytes, std::string_view key,
                                  std::string* out) {
  std::string_view cut = CutUtf8(value, max_bytes);
  if (cut.size() < value.size()) truncated_->push_back(Path(key));
  out->assign(cut);
}

FieldCheck FieldReader::String(std::string_view key, std::string* out, size_t max_bytes,
                               bool required) {
  simdjson::dom::element el;
  if (!Find(key, &el)) return required ? Missing(key) : std::nullopt;
  std::string_view value;
  if (el.get(value)) return Invalid(key, "must be a string");
  if (required && value.empty()) return Invalid(key, "must not be empty");
  AssignTruncated(value, max_bytes, key, out);
  return std::nullopt;
}

FieldCheck FieldReader::Number(std::string_view key, double* out, double min, double max,
                               bool required) {
  simdjson::dom::element el;
  if (!Find(key, &el)) return required ? Missing(key) : std::nullopt;
  double value;
  if (el.get(value)) return Invalid(key, "must be a number");
  if (!std::isfinite(value) || value < min || value > max) {
    char range[96];
    std::snprintf(range, sizeof(range), "must be a number in [%g, %g]", min, max);
    return Invalid(key, range);
  }
  *out = value;
  return std::nullopt;
}

FieldCheck FieldReader::Int(std::string_view key, int64_t* out, int64_t min, int64_t max,
                            bool required) {
  double value;
  if (FieldCheck check =
          Number(key, &value, static_cast<double>(min), static_cast<double>(max), required)) {
    return check;
  }
  simdjson::dom::element el;
  if (!Find(key, &el)) return std::nullopt;
  if (value != std::floor(value)) return Invalid(key, "must be an integer");
  *out = static_cast<int64_t>(value);
  return std::nullopt;
}

FieldCheck FieldReader::Bool(std::string_view key, int64_t* out) {
  simdjson::dom::element el;
  if (!Find(key, &el)) return std::nullopt;
  bool value;
  if (el.get(value)) return Invalid(key, "must be true or false");
  *out = value ? 1 : 0;
  return std::nullopt;
}

FieldCheck FieldReader::StringList(std::string_view key, std::string* out, size_t max_items,
                                   size_t max_item_bytes) {
  simdjson::dom::element el;
  if (!Find(key, &el)) return std::nullopt;
  simdjson::dom::array items;
  if (el.get(items)) return Invalid(key, "must be an array of strings");
  if (items.size() > max_items) {
    return Invalid(key, "at most " + std::to_string(max_items) + " items");
  }
  out->clear();
  std::vector<std::string> seen;
  for (simdjson::dom::element item : items) {
    std::string_view value;
    if (item.get(value)) return Invalid(key, "must be an array of strings");
    if (value.empty()) continue;
    std::string_view cut = CutUtf8(value, max_item_bytes);
    if (cut.size() < value.size()) truncated_->push_back(Path(key));
    std::string flag(cut);
    std::replace(flag.begin(), flag.end(), kFlagSeparator, ' ');
    if (std::find(seen.begin(), seen.end(), flag) != seen.end()) continue;  // a flag counts once
    if (!out->empty()) out->push_back(kFlagSeparator);
    out->append(flag);
    seen.push_back(std::move(flag));
  }
  return std::nullopt;
}

FieldCheck FieldReader::Json(std::string_view key, std::string* out, bool want_array) {
  simdjson::dom::element el;
  if (!Find(key, &el)) return std::nullopt;
  if (want_array ? !el.is_array() : !el.is_object()) {
    return Invalid(key, want_array ? "must be an array" : "must be an object");
  }
  MinifyJson(el, out);
  if (out->size() > limits_.max_text_bytes) {
    truncated_->push_back(Path(key));  // cut JSON would not parse: drop it whole
    out->clear();
  }
  return std::nullopt;
}

namespace {

void AppendMinified(simdjson::dom::element element, std::string* out) {
  char number[32];
  switch (element.type()) {
    case simdjson::dom::element_type::OBJECT: {
      out->push_back('{');
      bool first = true;
      for (simdjson::dom::key_value_pair member : simdjson::dom::object(element)) {
        if (!first) out->push_back(',');
        first = false;
        AppendJsonString(out, member.key);
        out->push_back(':');
        AppendMinified(member.value, out);
      }
      out->push_back('}');
      return;
    }
    case simdjson::dom::element_type::ARRAY: {
      out->push_back('[');
      bool first = true;
      for (simdjson::dom::element item : simdjson::dom::array(element)) {
        if (!first) out->push_back(',');
        first = false;
        AppendMinified(item, out);
      }
      out->push_back(']');
      return;
    }
    case simdjson::dom::element_type::STRING:
      AppendJsonString(out, std::string_view(element));
      return;
    case simdjson::dom::element_type::INT64:
      out->append(number, std::to_chars(number, number + sizeof(number), int64_t(element)).ptr);
      return;
    case simdjson::dom::element_type::UINT64:
      out->append(number, std::to_chars(number, number + sizeof(number), uint64_t(element)).ptr);
      return;
    case simdjson::dom::element_type::DOUBLE:
      // Shortest text that reads back as the same double; JSON numbers are always finite.
      out->append(number, std::to_chars(number, number + sizeof(number), double(element)).ptr);
      return;
    case simdjson::dom::element_type::BOOL:
      out->append(bool(element) ? "true" : "false");
      return;
    case simdjson::dom::element_type::NULL_VALUE:
      out->append("null");
      return;
  }
}

}  // namespace

void MinifyJson(simdjson::dom::element element, std::string* out) {
  out->clear();
  AppendMinified(element, out);
}

std::string_view RateVital(std::string_view name, double value) {
  struct Threshold {
    std::string_view name;
    double good, poor;
  };
  static constexpr Threshold kThresholds[] = {{"LCP", 2500, 4000}, {"INP", 200, 500},
                                              {"CLS", 0.1, 0.25},  {"FCP", 1800, 3000},
                                              {"TTFB", 800, 1800}, {"FID", 100, 300}};
  for (const Threshold& t : kThresholds) {
    if (t.name != name) continue;
    if (value <= t.good) return "good";
    if (value <= t.poor) return "needs-improvement";
    return "poor";
  }
  return "";
}

std::string UrlPath(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme != std::string_view::npos) {
    // The path starts at the first '/' after the authority; '?' or '#' first means an empty path.
    size_t end_of_authority = url.find_first_of("/?#", scheme + 3);
    if (end_of_authority == std::string_view::npos) return "/";
    url = url.substr(end_of_authority);
    if (url[0] != '/') return UrlPath("/" + std::string(url));  // no path: "/", then ?, #
  }
  size_t end = url.find_first_of("?#");
  std::string path(url.substr(0, end));
  // A hash router's route stays (enrich/routes.h drops it where the project does not want it).
  if (size_t hash = url.find('#'); hash != std::string_view::npos) {
    std::string_view hash_route = HashRouteOf(url.substr(hash + 1));
    if (!hash_route.empty()) path.append("#").append(hash_route);
  }
  return path;
}

namespace {

enum class EventType {
  kPageView,
  kVital,
  kError,
  kApiCall,
  kAction,
  kCustom,
  kResource,
  kLongTask
};

// The type named by an event's "type" field; false for an unknown one.
bool ParseEventType(std::string_view name, EventType* type) {
  static constexpr std::pair<std::string_view, EventType> kTypes[] = {
      {"page_view", EventType::kPageView}, {"vital", EventType::kVital},
      {"error", EventType::kError},        {"api_call", EventType::kApiCall},
      {"action", EventType::kAction},      {"custom", EventType::kCustom},
      {"resource", EventType::kResource},  {"long_task", EventType::kLongTask}};
  for (const auto& [known, value] : kTypes) {
    if (name == known) {
      *type = value;
      return true;
    }
  }
  return false;
}

FieldCheck ReadTypeFields(FieldReader& r, const LimitsConfig& limits, EventType type, Event* e) {
  const uint32_t max = limits.max_string_bytes;
  const uint32_t max_text = limits.max_text_bytes;
  if (type == EventType::kPageView) {
    if (auto c = r.String("route", &e->route, max)) return c;
    if (auto c = r.Bool("soft", &e->soft)) return c;
    return r.Object("timing", [&](FieldReader& t) -> FieldCheck {
      for (auto [name, dst] : {std::pair{"dns", &e->dns},
                               {"tcp", &e->tcp},
                               {"tls", &e->tls},
                               {"request", &e->request},
                               {"ttfb", &e->ttfb},
                               {"dom_interactive", &e->dom_interactive},
                               {"dom_content_loaded", &e->dom_content_loaded},
                               {"load", &e->load}}) {
        if (auto c = t.Number(name, dst, 0, kMaxDurationMs, false)) return c;
      }
      return std::nullopt;
    });
  }
  if (type == EventType::kVital) {
    if (auto c = r.String("name", &e->name, 8, true)) return c;
    if (RateVital(e->name, 0).empty()) {
      return FieldError{"name", "must be one of LCP, INP, CLS, FCP, TTFB, FID"};
    }
    const bool cls = e->name == "CLS";
    if (auto c = r.Number("value", &e->value, 0, cls ? 99.999999 : kMaxDurationMs, true)) {
      if (c->code == RejectReason::kInvalidField) {
        c->reason =
            cls ? "CLS must be a number in [0, 100)" : "must be a duration in [0, 3600000] ms";
      }
      return c;
    }
    if (auto c = r.String("rating", &e->rating, 32)) return c;
    std::string_view expected = RateVital(e->name, e->value);
    if (e->rating.empty()) {
      e->rating = expected;
    } else if (e->rating != "good" && e->rating != "needs-improvement" && e->rating != "poor") {
      return FieldError{"rating", "must be good, needs-improvement or poor"};
    }
    return r.Json("attribution", &e->attribution, false);
  }
  if (type == EventType::kError) {
    e->kind = "Error";
    if (auto c = r.String("kind", &e->kind, 128)) return c;
    if (auto c = r.String("message", &e->message, max)) return c;
    if (auto c = r.String("stack", &e->stack, max_text)) return c;
    if (auto c = r.String("file", &e->file, max)) return c;
    if (auto c = r.Int("line", &e->line, 0, INT32_MAX)) return c;
    if (auto c = r.Int("column", &e->column, 0, INT32_MAX)) return c;
    if (auto c = r.Number("count", &e->value, 1, 1e9, false)) return c;  // null: once
    return r.Json("breadcrumbs", &e->breadcrumbs, true);
  }
  if (type == EventType::kApiCall) {
    if (auto c = r.String("method", &e->method, 16)) return c;
    if (auto c = r.String("url", &e->request_url, max, true)) return c;
    if (auto c = r.Int("status", &e->status, 0, 999)) return c;
    if (auto c = r.Number("duration", &e->duration, 0, kMaxDurationMs, true)) return c;
    if (auto c = r.Int("size", &e->size, 0, kMaxResponseBytes)) return c;
    if (auto c = r.String("trace_id", &e->trace_id, 64)) return c;
    if (!e->trace_id.empty() &&
        (e->trace_id.size() != 32 || !IsLowerHex(e->trace_id) || IsAllZeros(e->trace_id))) {
      return FieldError{"trace_id",
                        "must be 32 lowercase hex digits, not all zero (W3C trace context)"};
    }
    if (auto c = r.String("span_id", &e->span_id, 32)) return c;
    if (!e->span_id.empty() &&
        (e->span_id.size() != 16 || !IsLowerHex(e->span_id) || IsAllZeros(e->span_id))) {
      return FieldError{"span_id",
                        "must be 16 lowercase hex digits, not all zero (W3C trace context)"};
    }
    return std::nullopt;
  }
  if (type == EventType::kAction) {
    if (auto c = r.String("action", &e->action, 64, true)) return c;
    if (auto c = r.String("target", &e->target, max)) return c;
    if (auto c = r.Number("duration", &e->duration, 0, kMaxDurationMs, false)) return c;
    return r.String("feature", &e->feature, 256);
  }
  if (type == EventType::kCustom) {
    if (auto c = r.String("name", &e->name, 256, true)) return c;
    if (auto c = r.Number("value", &e->value, -1e15, 1e15, false)) return c;
    return r.Json("attributes", &e->attributes, false);
  }
  return std::nullopt;  // resource, long_task: their fields are kept whole (see ReadEvent)
}

}  // namespace

std::optional<EventRejection> ReadEvent(simdjson::dom::element element, size_t index,
                                        const LimitsConfig& limits, const EventWindow& window,
                                        const Event& context, Event* event,
                                        std::vector<std::string>* truncated) {
  simdjson::dom::object obj;
  if (element.get(obj)) {
    return EventRejection{index, "", "an event must be a JSON object", RejectReason::kNotAnObject};
  }
  auto reject = [&](FieldError error) {
    return EventRejection{index, std::move(error.field), std::move(error.reason), error.code};
  };
  FieldReader r(obj, "", limits, truncated);
  if (auto c = r.String("type", &event->type, 32, true)) return reject(*c);
  EventType type;
  if (!ParseEventType(event->type, &type)) {
    return EventRejection{index, "type", "unknown event type \"" + event->type + "\"",
                          RejectReason::kUnknownType};
  }
  double ts;
  if (auto c = r.Number("ts", &ts, 0, 1e15, true)) {
    if (c->code == RejectReason::kInvalidField) c->reason = "must be epoch milliseconds";
    return reject(*c);
  }
  event->ts = static_cast<int64_t>(std::llround(ts));
  if (event->ts < window.min_ts || event->ts > window.max_ts) {
    return EventRejection{
        index, "ts",
        event->ts < window.min_ts
            ? "older than the accepted window (limits.max_event_age_s)"
            : "in the future beyond the allowed clock skew (limits.max_event_future_s)",
        RejectReason::kTimestamp};
  }
  // Per-event overrides of the context (single-page apps batch several page views). An event's
  // own url also replaces the context's route unless the event names its route.
  if (auto c = r.String("url", type == EventType::kApiCall ? &event->request_url : &event->url,
                        limits.max_string_bytes)) {
    return reject(*c);
  }
  // An event of an earlier page view than the beacon's (an API call that ended after the route
  // changed): the URL of its page, for any type.
  if (auto c = r.String("page_url", &event->url, limits.max_string_bytes)) return reject(*c);
  if (context.consent == "full") {
    if (auto c = r.String("page_view_id", &event->page_view_id, 128)) return reject(*c);
  }
  if (auto c = r.String("route", &event->route, limits.max_string_bytes)) return reject(*c);
  if (auto c = ReadTypeFields(r, limits, type, event)) return reject(*c);
  if (type == EventType::kResource || type == EventType::kLongTask) {
    MinifyJson(element, &event->attributes);
    if (event->attributes.size() > limits.max_text_bytes) {
      event->attributes.clear();
      truncated->push_back("attributes");
    }
  }
  if (event->route.empty() && !event->url.empty() && event->url != context.url) {
    event->route = UrlPath(event->url);
  }
  return std::nullopt;
}

}  // namespace sightline
