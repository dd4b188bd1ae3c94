#include "ingest/otlp_decoder.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "common/json_writer.h"
#include "common/strings.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace sightline {
namespace {

namespace common_pb = opentelemetry::proto::common::v1;
namespace trace_pb = opentelemetry::proto::trace::v1;
using simdjson::SUCCESS;
using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

// OTLP JSON nests about ten levels before attribute values; values nest further (arrays, maps).
constexpr size_t kMaxJsonDepth = 64;
constexpr size_t kInitialJsonCapacity = 64 * 1024;

constexpr std::string_view kSpanKinds[] = {"",       "internal", "server",
                                           "client", "producer", "consumer"};
constexpr std::string_view kSpanKindNames[] = {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL",
                                               "SPAN_KIND_SERVER",      "SPAN_KIND_CLIENT",
                                               "SPAN_KIND_PRODUCER",    "SPAN_KIND_CONSUMER"};
constexpr std::string_view kStatusCodeNames[] = {"STATUS_CODE_UNSET", "STATUS_CODE_OK",
                                                 "STATUS_CODE_ERROR"};

// Attributes that would put the client's address or browser on disk: dropped, not stored.
constexpr std::string_view kDroppedAttributes[] = {
    "client.address",      "network.peer.address", "network.local.address", "net.peer.ip",
    "net.host.ip",         "net.sock.peer.addr",   "net.sock.host.addr",    "http.client_ip",
    "user_agent.original", "http.user_agent"};

// Attributes whose text may be long (a query, a stack): cut at max_text_bytes, not
// max_string_bytes.
constexpr std::string_view kLongAttributes[] = {"db.statement", "db.query.text",
                                                "exception.stacktrace"};

bool Contains(const std::string_view* begin, const std::string_view* end, std::string_view key) {
  return std::find(begin, end, key) != end;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// ---- JSON (OTLP's JSON encoding) into the protobuf messages ----

// A field by its lowerCamelCase name, else its proto name; null counts as absent.
bool Field(object obj, std::string_view camel, std::string_view snake, element* out) {
  if (obj[camel].get(*out) == SUCCESS && !out->is_null()) return true;
  return !snake.empty() && obj[snake].get(*out) == SUCCESS && !out->is_null();
}

using ReadError = std::optional<std::string>;

ReadError ReadUint64(element e, std::string_view name, uint64_t* out) {
  uint64_t u = 0;
  int64_t i = 0;
  double d = 0;
  std::string_view s;
  if (e.get_uint64().get(u) == SUCCESS) {
    *out = u;
  } else if (e.get_int64().get(i) == SUCCESS) {
    return std::string(name) + ": must not be negative";
  } else if (e.get_double().get(d) == SUCCESS) {
    if (!(d >= 0 && d < 1.8446744073709552e19) || d != std::floor(d)) {
      return std::string(name) + ": must be an unsigned integer";
    }
    *out = static_cast<uint64_t>(d);
  } else if (e.get_string().get(s) == SUCCESS) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty()) {
      return std::string(name) + ": must be an unsigned integer, got \"" +
             std::string(CutUtf8(s, 40)) + "\"";
    }
  } else {
    return std::string(name) + ": must be an integer or a string of digits";
  }
  return std::nullopt;
}

ReadError ReadInt64(element e, std::string_view name, int64_t* out) {
  int64_t i = 0;
  double d = 0;
  std::string_view s;
  if (e.get_int64().get(i) == SUCCESS) {
    *out = i;
  } else if (e.get_double().get(d) == SUCCESS) {
    if (!(std::fabs(d) < 9.2e18) || d != std::floor(d)) {
      return std::string(name) + ": must be an integer";
    }
    *out = static_cast<int64_t>(d);
  } else if (e.get_string().get(s) == SUCCESS) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty()) {
      return std::string(name) + ": must be an integer, got \"" + std::string(CutUtf8(s, 40)) +
             "\"";
    }
  } else {
    return std::string(name) + ": must be an integer or a string of digits";
  }
  return std::nullopt;
}

// An enum as its number or its name.
ReadError ReadEnum(element e, std::string_view name, const std::string_view* names, size_t count,
                   int* out) {
  int64_t i = 0;
  std::string_view s;
  if (e.get_int64().get(i) == SUCCESS) {
    *out = static_cast<int>(std::clamp<int64_t>(i, -1, 1 << 20));
    return std::nullopt;
  }
  if (e.get_string().get(s) == SUCCESS) {
    for (size_t k = 0; k < count; ++k) {
      if (names[k] == s) {
        *out = static_cast<int>(k);
        return std::nullopt;
      }
    }
  }
  return std::string(name) + ": must be an enum number or name";
}

ReadError ReadString(element e, std::string_view name, std::string* out) {
  std::string_view s;
  if (e.get_string().get(s) != SUCCESS) return std::string(name) + ": must be a string";
  out->assign(s);
  return std::nullopt;
}

// Trace and span ids: hex in OTLP JSON (not base64 as in proto3's generic JSON mapping).
ReadError ReadHexId(element e, std::string_view name, std::string* out) {
  std::string_view s;
  if (e.get_string().get(s) != SUCCESS) return std::string(name) + ": must be a hex string";
  if (s.size() % 2 != 0) return std::string(name) + ": must be hex digits, got an odd count";
  out->resize(s.size() / 2);
  for (size_t k = 0; k < s.size(); k += 2) {
    int hi = HexDigit(s[k]), lo = HexDigit(s[k + 1]);
    if (hi < 0 || lo < 0) {
      return std::string(name) + ": must be hex digits, got \"" + std::string(CutUtf8(s, 40)) +
             "\"";
    }
    (*out)[k / 2] = static_cast<char>(hi * 16 + lo);
  }
  return std::nullopt;
}

ReadError ReadKeyValues(element e, std::string_view name,
                        google::protobuf::RepeatedPtrField<common_pb::KeyValue>* out);

ReadError ReadAnyValue(element e, std::string_view name, common_pb::AnyValue* out) {
  object obj;
  if (e.get_object().get(obj) != SUCCESS) return std::string(name) + ": must be an AnyValue object";
  element v;
  if (Field(obj, "stringValue", "string_value", &v)) {
    return ReadString(v, name, out->mutable_string_value());
  }
  if (Field(obj, "boolValue", "bool_value", &v)) {
    bool b = false;
    if (v.get_bool().get(b) != SUCCESS) return std::string(name) + ".boolValue: must be a boolean";
    out->set_bool_value(b);
    return std::nullopt;
  }
  if (Field(obj, "intValue", "int_value", &v)) {
    int64_t i = 0;
    if (auto err = ReadInt64(v, std::string(name) + ".intValue", &i)) return err;
    out->set_int_value(i);
    return std::nullopt;
  }
  if (Field(obj, "doubleValue", "double_value", &v)) {
    double d = 0;
    std::string_view s;
    if (v.get_double().get(d) != SUCCESS) {
      // proto3 JSON writes non-finite doubles as strings.
      if (v.get_string().get(s) != SUCCESS) {
        return std::string(name) + ".doubleValue: must be a number";
      }
      d = s == "Infinity" ? HUGE_VAL : s == "-Infinity" ? -HUGE_VAL : kNullDouble;
    }
    out->set_double_value(d);
    return std::nullopt;
  }
  if (Field(obj, "arrayValue", "array_value", &v)) {
    object inner;
    array values;
    element list;
    if (v.get_object().get(inner) != SUCCESS) {
      return std::string(name) + ".arrayValue: must be an object";
    }
    common_pb::ArrayValue* target = out->mutable_array_value();
    if (!Field(inner, "values", "", &list)) return std::nullopt;
    if (list.get_array().get(values) != SUCCESS) {
      return std::string(name) + ".arrayValue.values: must be an array";
    }
    for (element item : values) {
      if (auto err = ReadAnyValue(item, std::string(name) + ".arrayValue.values[]",
                                  target->add_values())) {
        return err;
      }
    }
    return std::nullopt;
  }
  if (Field(obj, "kvlistValue", "kvlist_value", &v)) {
    object inner;
    element list;
    if (v.get_object().get(inner) != SUCCESS) {
      return std::string(name) + ".kvlistValue: must be an object";
    }
    common_pb::KeyValueList* target = out->mutable_kvlist_value();
    if (!Field(inner, "values", "", &list)) return std::nullopt;
    return ReadKeyValues(list, std::string(name) + ".kvlistValue.values", target->mutable_values());
  }
  if (Field(obj, "bytesValue", "bytes_value", &v)) {
    // proto3 JSON: base64. Kept as given; the stored form is this text.
    return ReadString(v, std::string(name) + ".bytesValue", out->mutable_bytes_value());
  }
  return std::nullopt;  // an empty AnyValue: no value
}

ReadError ReadKeyValues(element e, std::string_view name,
                        google::protobuf::RepeatedPtrField<common_pb::KeyValue>* out) {
  array items;
  if (e.get_array().get(items) != SUCCESS) return std::string(name) + ": must be an array";
  for (element item : items) {
    object kv;
    if (item.get_object().get(kv) != SUCCESS) {
      return std::string(name) + "[]: must be a KeyValue object";
    }
    common_pb::KeyValue* target = out->Add();
    element v;
    if (Field(kv, "key", "", &v)) {
      if (auto err = ReadString(v, std::string(name) + "[].key", target->mutable_key())) {
        return err;
      }
    }
    if (Field(kv, "value", "", &v)) {
      if (auto err = ReadAnyValue(v, std::string(name) + "[" + target->key() + "]",
                                  target->mutable_value())) {
        return err;
      }
    }
  }
  return std::nullopt;
}

ReadError ReadSpan(object obj, trace_pb::Span* span) {
  element v;
  if (Field(obj, "traceId", "trace_id", &v)) {
    if (auto err = ReadHexId(v, "traceId", span->mutable_trace_id())) return err;
  }
  if (Field(obj, "spanId", "span_id", &v)) {
    if (auto err = ReadHexId(v, "spanId", span->mutable_span_id())) return err;
  }
  if (Field(obj, "parentSpanId", "parent_span_id", &v)) {
    if (auto err = ReadHexId(v, "parentSpanId", span->mutable_parent_span_id())) return err;
  }
  if (Field(obj, "name", "", &v)) {
    if (auto err = ReadString(v, "name", span->mutable_name())) return err;
  }
  if (Field(obj, "kind", "", &v)) {
    int kind = 0;
    if (auto err = ReadEnum(v, "kind", kSpanKindNames, std::size(kSpanKindNames), &kind)) {
      return err;
    }
    span->set_kind(static_cast<trace_pb::Span::SpanKind>(kind));
  }
  uint64_t nanos = 0;
  if (Field(obj, "startTimeUnixNano", "start_time_unix_nano", &v)) {
    if (auto err = ReadUint64(v, "startTimeUnixNano", &nanos)) return err;
    span->set_start_time_unix_nano(nanos);
  }
  if (Field(obj, "endTimeUnixNano", "end_time_unix_nano", &v)) {
    if (auto err = ReadUint64(v, "endTimeUnixNano", &nanos)) return err;
    span->set_end_time_unix_nano(nanos);
  }
  if (Field(obj, "attributes", "", &v)) {
    if (auto err = ReadKeyValues(v, "attributes", span->mutable_attributes())) return err;
  }
  if (Field(obj, "events", "", &v)) {
    array events;
    if (v.get_array().get(events) != SUCCESS) return std::string("events: must be an array");
    for (element item : events) {
      object event;
      if (item.get_object().get(event) != SUCCESS) return std::string("events[]: must be objects");
      trace_pb::Span::Event* target = span->add_events();
      element f;
      if (Field(event, "name", "", &f)) {
        if (auto err = ReadString(f, "events[].name", target->mutable_name())) return err;
      }
      if (Field(event, "timeUnixNano", "time_unix_nano", &f)) {
        if (auto err = ReadUint64(f, "events[].timeUnixNano", &nanos)) return err;
        target->set_time_unix_nano(nanos);
      }
      if (Field(event, "attributes", "", &f)) {
        if (auto err = ReadKeyValues(f, "events[].attributes", target->mutable_attributes())) {
          return err;
        }
      }
    }
  }
  if (Field(obj, "status", "", &v)) {
    object status;
    if (v.get_object().get(status) != SUCCESS) return std::string("status: must be an object");
    element f;
    if (Field(status, "code", "", &f)) {
      int code = 0;
      if (auto err =
              ReadEnum(f, "status.code", kStatusCodeNames, std::size(kStatusCodeNames), &code)) {
        return err;
      }
      span->mutable_status()->set_code(static_cast<trace_pb::Status::StatusCode>(code));
    }
    if (Field(status, "message", "", &f)) {
      if (auto err = ReadString(f, "status.message", span->mutable_status()->mutable_message())) {
        return err;
      }
    }
  }
  return std::nullopt;
}

// ---- protobuf messages into Events ----

// The attribute's value as text ("" for maps, arrays and empty values).
std::string_view ScalarText(const common_pb::AnyValue& value, std::string* scratch) {
  switch (value.value_case()) {
    case common_pb::AnyValue::kStringValue:
      return value.string_value();
    case common_pb::AnyValue::kIntValue:
      *scratch = std::to_string(value.int_value());
      return *scratch;
    default:
      return {};
  }
}

int64_t IntOf(const common_pb::AnyValue& value) {
  if (value.value_case() == common_pb::AnyValue::kIntValue) return value.int_value();
  if (value.value_case() == common_pb::AnyValue::kDoubleValue &&
      std::isfinite(value.double_value())) {
    return static_cast<int64_t>(value.double_value());
  }
  if (value.value_case() == common_pb::AnyValue::kStringValue) {
    int64_t out = 0;
    const std::string& s = value.string_value();
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc() && end == s.data() + s.size()) return out;
  }
  return kNullInt;
}

void WriteAnyValue(JsonWriter& w, const common_pb::AnyValue& value, size_t max_bytes, int depth) {
  switch (value.value_case()) {
    case common_pb::AnyValue::kStringValue:
      w.String(CutUtf8(value.string_value(), max_bytes));
      return;
    case common_pb::AnyValue::kBoolValue:
      w.Bool(value.bool_value());
      return;
    case common_pb::AnyValue::kIntValue:
      w.Int(value.int_value());
      return;
    case common_pb::AnyValue::kDoubleValue:
      w.NumberOrNull(value.double_value());
      return;
    case common_pb::AnyValue::kBytesValue:
      w.String(HexOf(CutUtf8(value.bytes_value(), max_bytes / 2)));
      return;
    case common_pb::AnyValue::kArrayValue:
      if (depth > 8) break;
      w.BeginArray();
      for (const common_pb::AnyValue& item : value.array_value().values()) {
        WriteAnyValue(w, item, max_bytes, depth + 1);
      }
      w.EndArray();
      return;
    case common_pb::AnyValue::kKvlistValue:
      if (depth > 8) break;
      w.BeginObject();
      for (const common_pb::KeyValue& kv : value.kvlist_value().values()) {
        w.Key(CutUtf8(kv.key(), max_bytes));
        WriteAnyValue(w, kv.value(), max_bytes, depth + 1);
      }
      w.EndObject();
      return;
    default:
      break;
  }
  w.Null();
}

// A span's URL without its query string and fragment.
std::string_view WithoutQuery(std::string_view url) {
  return url.substr(0, std::min(url.find('?'), url.find('#')));
}

struct ResourceFacts {
  std::string service = "unknown_service";
  std::string version, environment, sdk_language, session_id;
  bool browser = false;
};

ResourceFacts ReadResource(const opentelemetry::proto::resource::v1::Resource& resource) {
  ResourceFacts facts;
  std::string scratch;
  for (const common_pb::KeyValue& kv : resource.attributes()) {
    std::string_view text = ScalarText(kv.value(), &scratch);
    const std::string& key = kv.key();
    if (key == "service.name" && !text.empty()) {
      facts.service.assign(text);
    } else if (key == "service.version") {
      facts.version.assign(text);
    } else if (key == "deployment.environment.name" ||
               (key == "deployment.environment" && facts.environment.empty())) {
      facts.environment.assign(text);
    } else if (key == "telemetry.sdk.language") {
      facts.sdk_language.assign(text);
      facts.browser = text == "webjs";
    } else if (key == "session.id") {
      facts.session_id.assign(text);
    }
  }
  return facts;
}

// Validates one span; the reason it cannot be stored, or nullopt.
std::optional<std::string> CheckSpan(const trace_pb::Span& span, int64_t oldest_ms,
                                     int64_t newest_ms, uint64_t longest_ns) {
  auto all_zero = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c == 0; });
  };
  if (span.trace_id().size() != 16 || all_zero(span.trace_id())) {
    return "traceId: must be 16 bytes (32 hex digits), not all zero";
  }
  if (span.span_id().size() != 8 || all_zero(span.span_id())) {
    return "spanId: must be 8 bytes (16 hex digits), not all zero";
  }
  if (!span.parent_span_id().empty() && span.parent_span_id().size() != 8) {
    return "parentSpanId: must be empty or 8 bytes (16 hex digits)";
  }
  if (span.start_time_unix_nano() == 0) return "startTimeUnixNano: required";
  if (span.start_time_unix_nano() > static_cast<uint64_t>(INT64_MAX)) {
    return "startTimeUnixNano: out of range";
  }
  if (span.end_time_unix_nano() < span.start_time_unix_nano()) {
    return "endTimeUnixNano: before startTimeUnixNano";
  }
  if (span.end_time_unix_nano() - span.start_time_unix_nano() > longest_ns) {
    return "endTimeUnixNano: the span lasts longer than limits.max_event_age_s";
  }
  const int64_t start_ms = static_cast<int64_t>(span.start_time_unix_nano() / 1000000);
  if (start_ms < oldest_ms) return "startTimeUnixNano: older than limits.max_event_age_s";
  if (start_ms > newest_ms) {
    return "startTimeUnixNano: further in the future than limits.max_event_future_s";
  }
  return std::nullopt;
}

// Reads a base-128 varint off the front of `in`.
bool ReadVarint(std::string_view* in, uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift < 64 && !in->empty(); shift += 7) {
    const auto byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    *value |= uint64_t{byte & 0x7fu} << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

// Calls `fn(field, bytes)` for each length-delimited field of the message in `in`, skipping the
// others; stops when `fn` returns false. False when the wire format is malformed or `fn` stopped.
template <typename Fn>
bool ForEachLengthDelimited(std::string_view in, Fn fn) {
  while (!in.empty()) {
    uint64_t tag, n;
    if (!ReadVarint(&in, &tag)) return false;
    switch (tag & 7) {
      case 0:
        if (!ReadVarint(&in, &n)) return false;
        break;
      case 1:
      case 5: {
        const size_t width = (tag & 7) == 1 ? 8 : 4;
        if (in.size() < width) return false;
        in.remove_prefix(width);
        break;
      }
      case 2:
        if (!ReadVarint(&in, &n) || n > in.size()) return false;
        if (!fn(tag >> 3, in.substr(0, n))) return false;
        in.remove_prefix(n);
        break;
      default:
        return false;  // groups are not used by OTLP
    }
  }
  return true;
}

// The spans of a protobuf ExportTraceServiceRequest (resource_spans = 1 -> scope_spans = 2 ->
// spans = 2), counted on the wire without decoding them; stops counting past `limit`. A malformed
// body counts what was read (the parser reports it).
size_t CountProtobufSpans(std::string_view body, size_t limit) {
  size_t spans = 0;
  auto scope = [&](uint64_t field, std::string_view) {
    if (field == 2) ++spans;
    return spans <= limit;
  };
  auto resource = [&](uint64_t field, std::string_view bytes) {
    return field != 2 || ForEachLengthDelimited(bytes, scope);
  };
  ForEachLengthDelimited(body, [&](uint64_t field, std::string_view bytes) {
    return field != 1 || ForEachLengthDelimited(bytes, resource);
  });
  return spans;
}

}  // namespace

std::string HexOf(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '0');
  for (size_t k = 0; k < bytes.size(); ++k) {
    const auto b = static_cast<unsigned char>(bytes[k]);
    out[2 * k] = kDigits[b >> 4];
    out[2 * k + 1] = kDigits[b & 15];
  }
  return out;
}

OtlpTraceDecoder::OtlpTraceDecoder(const LimitsConfig& limits)
    : limits_(limits), request_(std::make_unique<Request>()) {
  simdjson::error_code allocated = json_.allocate(kInitialJsonCapacity, kMaxJsonDepth);
  (void)allocated;  // on failure parse() allocates, and reports what fails
}

OtlpTraceDecoder::~OtlpTraceDecoder() = default;

std::optional<OtlpError> OtlpTraceDecoder::Decode(std::string_view body, OtlpEncoding encoding,
                                                  int64_t now_ms, DecodedSpans* out,
                                                  bool from_browser) {
  out->Clear();
  request_->Clear();
  if (encoding == OtlpEncoding::kProtobuf) {
    if (CountProtobufSpans(body, limits_.max_spans_per_export) > limits_.max_spans_per_export) {
      return TooManySpans();
    }
    if (!request_->ParseFromArray(body.data(), static_cast<int>(body.size()))) {
      return OtlpError{"", "the body is not a protobuf ExportTraceServiceRequest"};
    }
  } else if (auto err = ReadJson(body, out)) {
    ReleaseLargeRequest();
    return err;
  }
  Convert(now_ms, from_browser, out);
  ReleaseLargeRequest();
  return std::nullopt;
}

OtlpError OtlpTraceDecoder::TooManySpans() const {
  return OtlpError{"spans",
                   "more than limits.max_spans_per_export (" +
                       std::to_string(limits_.max_spans_per_export) +
                       ") spans in one export: send smaller batches",
                   413};
}

void OtlpTraceDecoder::ReleaseLargeRequest() {
  // A cleared message keeps every span object it held; after a large export, let them go.
  int spans = 0;
  for (const auto& resource : request_->resource_spans()) {
    for (const auto& scope : resource.scope_spans()) spans += scope.spans_size();
  }
  if (spans > kReusedSpans) request_ = std::make_unique<Request>();
}

std::optional<OtlpError> OtlpTraceDecoder::ReadJson(std::string_view body, DecodedSpans* out) {
  padded_.assign(body);
  padded_.append(simdjson::SIMDJSON_PADDING, '\0');
  element root;
  if (auto error = json_.parse(padded_.data(), body.size(), false).get(root)) {
    return OtlpError{"", std::string("the body is not JSON: ") + simdjson::error_message(error)};
  }
  object top;
  if (root.get_object().get(top) != SUCCESS) {
    return OtlpError{"", "the body must be a JSON object (ExportTraceServiceRequest)"};
  }
  element list;
  if (!Field(top, "resourceSpans", "resource_spans", &list)) return std::nullopt;
  array resources;
  if (list.get_array().get(resources) != SUCCESS) {
    return OtlpError{"resourceSpans", "must be an array"};
  }
  size_t r = 0;
  size_t json_spans = 0;  // read so far, refused or not
  for (element resource_element : resources) {
    const std::string resource_path = "resourceSpans[" + std::to_string(r++) + "]";
    object resource_obj;
    if (resource_element.get_object().get(resource_obj) != SUCCESS) {
      return OtlpError{resource_path, "must be an object"};
    }
    trace_pb::ResourceSpans* resource_spans = request_->add_resource_spans();
    element v;
    if (Field(resource_obj, "resource", "", &v)) {
      object resource;
      element attrs;
      if (v.get_object().get(resource) != SUCCESS) {
        return OtlpError{resource_path + ".resource", "must be an object"};
      }
      if (Field(resource, "attributes", "", &attrs)) {
        if (auto err = ReadKeyValues(attrs, "attributes",
                                     resource_spans->mutable_resource()->mutable_attributes())) {
          // "<field>: <reason>", the field relative to the resource.
          const size_t colon = err->find(": ");
          return OtlpError{resource_path + ".resource." + err->substr(0, colon),
                           colon == std::string::npos ? "" : err->substr(colon + 2)};
        }
      }
    }
    if (!Field(resource_obj, "scopeSpans", "scope_spans", &v)) continue;
    array scopes;
    if (v.get_array().get(scopes) != SUCCESS) {
      return OtlpError{resource_path + ".scopeSpans", "must be an array"};
    }
    size_t s = 0;
    for (element scope_element : scopes) {
      const std::string scope_path = resource_path + ".scopeSpans[" + std::to_string(s++) + "]";
      object scope_obj;
      if (scope_element.get_object().get(scope_obj) != SUCCESS) {
        return OtlpError{scope_path, "must be an object"};
      }
      trace_pb::ScopeSpans* scope_spans = resource_spans->add_scope_spans();
      element spans_element;
      if (!Field(scope_obj, "spans", "", &spans_element)) continue;
      array spans;
      if (spans_element.get_array().get(spans) != SUCCESS) {
        return OtlpError{scope_path + ".spans", "must be an array"};
      }
      size_t k = 0;
      for (element span_element : spans) {
        object span_obj;
        ReadError err;
        if (++json_spans > limits_.max_spans_per_export) return TooManySpans();
        trace_pb::Span* span = scope_spans->add_spans();
        if (span_element.get_object().get(span_obj) != SUCCESS) {
          err = "must be an object";
        } else {
          err = ReadSpan(span_obj, span);
        }
        if (err) {
          scope_spans->mutable_spans()->RemoveLast();
          if (out->rejected++ == 0) {
            out->rejection = scope_path + ".spans[" + std::to_string(k) + "]." + *err;
          }
        }
        ++k;
      }
    }
  }
  return std::nullopt;
}

void OtlpTraceDecoder::Convert(int64_t now_ms, bool from_browser, DecodedSpans* out) {
  const int64_t oldest_ms = now_ms - int64_t{limits_.max_event_age_s} * 1000;
  const int64_t newest_ms = now_ms + int64_t{limits_.max_event_future_s} * 1000;
  const uint64_t longest_ns = uint64_t{limits_.max_event_age_s} * 1000000000;
  const size_t max_string = limits_.max_string_bytes;
  const size_t max_text = limits_.max_text_bytes;
  std::string scratch, scratch_json, url_scheme, url_host, url_port, url_path;
  for (int r = 0; r < request_->resource_spans_size(); ++r) {
    const trace_pb::ResourceSpans& resource_spans = request_->resource_spans(r);
    ResourceFacts facts = ReadResource(resource_spans.resource());
    facts.browser = facts.browser || from_browser;
    for (int s = 0; s < resource_spans.scope_spans_size(); ++s) {
      const trace_pb::ScopeSpans& scope_spans = resource_spans.scope_spans(s);
      for (int k = 0; k < scope_spans.spans_size(); ++k) {
        const trace_pb::Span& span = scope_spans.spans(k);
        if (auto reason = CheckSpan(span, oldest_ms, newest_ms, longest_ns)) {
          if (out->rejected++ == 0) {
            out->rejection = "resourceSpans[" + std::to_string(r) + "].scopeSpans[" +
                             std::to_string(s) + "].spans[" + std::to_string(k) + "]." + *reason;
          }
          continue;
        }
        Event& e = out->spans.emplace_back();
        out->browser.push_back(facts.browser ? 1 : 0);
        bool truncated = false;
        auto cut = [&](std::string_view text, size_t max) {
          std::string_view kept = CutUtf8(text, max);
          truncated = truncated || kept.size() != text.size();
          return std::string(kept);
        };
        e.type = "span";
        e.start_ns = static_cast<int64_t>(span.start_time_unix_nano());
        e.ts = e.start_ns / 1000000;
        e.duration =
            static_cast<double>(span.end_time_unix_nano() - span.start_time_unix_nano()) / 1e6;
        e.trace_id = HexOf(span.trace_id());
        e.span_id = HexOf(span.span_id());
        // Some exporters write a root's missing parent as zeros.
        const std::string& parent = span.parent_span_id();
        if (!parent.empty() && parent.find_first_not_of('\0') != std::string::npos) {
          e.parent_span_id = HexOf(parent);
        }
        e.name = cut(span.name(), max_string);
        const int kind = static_cast<int>(span.kind());
        if (kind > 0 && kind < static_cast<int>(std::size(kSpanKinds))) {
          e.kind = std::string(kSpanKinds[kind]);
        }
        if (span.status().code() == trace_pb::Status::STATUS_CODE_OK) e.span_status = "ok";
        if (span.status().code() == trace_pb::Status::STATUS_CODE_ERROR) e.span_status = "error";
        e.message = cut(span.status().message(), max_string);
        e.service = cut(facts.service, max_string);
        e.release = cut(facts.version, max_string);
        e.environment = cut(facts.environment, max_string);
        e.session_id = cut(facts.session_id, max_string);

        url_scheme.clear();
        url_host.clear();
        url_port.clear();
        url_path.clear();
        // The attributes as a JSON object's members, each whole: one that would take the text
        // over max_text_bytes is left out, and so is every later one.
        std::string members;
        bool attributes_full = false;
        auto add_attribute = [&](std::string_view key, const common_pb::AnyValue& value) {
          if (attributes_full) {
            truncated = true;
            return;
          }
          const bool long_text =
              Contains(std::begin(kLongAttributes), std::end(kLongAttributes), key);
          JsonWriter one(std::move(scratch_json));
          one.BeginObject();
          one.Key(CutUtf8(key, max_string));
          WriteAnyValue(one, value, long_text ? max_text : max_string, 0);
          one.EndObject();
          scratch_json = one.Take();
          std::string_view member(scratch_json);
          member = member.substr(1, member.size() - 2);  // without the braces
          if (members.size() + member.size() + 3 > max_text) {
            attributes_full = true;
            truncated = true;
            return;
          }
          if (!members.empty()) members += ',';
          members += member;
        };
        if (!facts.sdk_language.empty()) {
          common_pb::AnyValue language;
          language.set_string_value(facts.sdk_language);
          add_attribute("telemetry.sdk.language", language);
        }
        for (const common_pb::KeyValue& kv : span.attributes()) {
          const std::string& key = kv.key();
          if (Contains(std::begin(kDroppedAttributes), std::end(kDroppedAttributes), key)) {
            continue;
          }
          std::string_view text = ScalarText(kv.value(), &scratch);
          if (key == "http.request.method" || (key == "http.method" && e.method.empty())) {
            e.method = cut(text, max_string);
          } else if (key == "http.response.status_code" ||
                     (key == "http.status_code" && IsNull(e.status))) {
            e.status = IntOf(kv.value());
          } else if (key == "http.route") {
            e.request_route = cut(text, max_string);
          } else if (key == "url.full" || (key == "http.url" && e.request_url.empty())) {
            e.request_url = cut(WithoutQuery(text), max_string);
          } else if (key == "session.id") {
            e.session_id = cut(text, max_string);
          } else {
            if (key == "url.scheme" || key == "http.scheme") url_scheme.assign(text);
            if (key == "server.address" || key == "net.host.name" || key == "http.host") {
              if (url_host.empty()) url_host.assign(text);
            }
            if (key == "server.port" || key == "net.host.port") url_port.assign(text);
            if (key == "url.path" || key == "http.target") {
              if (url_path.empty()) url_path.assign(WithoutQuery(text));
            }
            if (key == "http.target" || key == "url.query") continue;  // may carry query values
            add_attribute(key, kv.value());
          }
        }
        // A server span names its URL in parts.
        if (e.request_url.empty() && !url_path.empty()) {
          std::string url;
          if (!url_host.empty()) {
            url = (url_scheme.empty() ? std::string("http") : url_scheme) + "://" + url_host;
            const bool default_port = url_port.empty() ||
                                      (url_scheme == "https" && url_port == "443") ||
                                      (url_scheme != "https" && url_port == "80");
            if (!default_port && url_host.find(':') == std::string::npos) url += ":" + url_port;
          }
          e.request_url = cut(url + url_path, max_string);
        }
        // The first exception event: its type and message (and stack) join the attributes.
        for (const trace_pb::Span::Event& event : span.events()) {
          if (event.name() != "exception") continue;
          for (const common_pb::KeyValue& kv : event.attributes()) {
            if (kv.key() == "exception.message" && e.message.empty()) {
              e.message = cut(ScalarText(kv.value(), &scratch), max_string);
            }
            if (kv.key() == "exception.type" || kv.key() == "exception.message" ||
                kv.key() == "exception.stacktrace") {
              add_attribute(kv.key(), kv.value());
            }
          }
          break;
        }
        if (!members.empty()) e.attributes = "{" + members + "}";
        // A browser's HTTP call (the web SDK's fetch and XHR instrumentation) is an api_call, as
        // the agent reports one: stamped when it ended.
        if (facts.browser && e.kind == "client" && !e.request_url.empty()) {
          e.type = "api_call";
          e.ts = static_cast<int64_t>(span.end_time_unix_nano() / 1000000);
        }
        if (truncated) {
          e.truncated = 1;
          ++out->truncated;
        }
      }
    }
  }
}

}  // namespace sightline
