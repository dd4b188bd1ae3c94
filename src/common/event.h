// Event: one stored RUM event, the unit that flows from ingest through enrichment to the store.
//
// The columns of an event are listed once, in SIGHTLINE_EVENT_COLUMNS, and everything that must
// know them (the WAL codec, the segment writer and reader, the scan's column batches) is derived
// from that list, so adding a column is one line here. Order is part of the on-disk formats: new
// columns go at the end (see docs/storage-format.md).
//
// Null values: kInt64 columns use kNullInt, kDouble columns NaN, kString columns the empty string.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sightline {

enum class ColumnKind : uint8_t { kInt64 = 1, kDouble = 2, kString = 3 };

inline constexpr int64_t kNullInt = std::numeric_limits<int64_t>::min();
inline constexpr double kNullDouble = std::numeric_limits<double>::quiet_NaN();

// X(member, kind). The column's name is the member's name.
#define SIGHTLINE_EVENT_COLUMNS(X)                                         \
  /* common to every event */                                              \
  X(ts, kInt64)            /* epoch milliseconds, UTC */                   \
  X(type, kString)         /* page_view, vital, error, api_call, ... */    \
  X(session_id, kString)   /* empty under minimal consent */               \
  X(page_view_id, kString) /* empty under minimal consent */               \
  X(consent, kString)      /* full | minimal */                            \
  X(sample_rate, kDouble)  /* probability the session was kept, (0, 1] */  \
  X(url, kString)                                                          \
  X(referrer, kString)                                                     \
  X(route, kString)                                                        \
  X(release, kString)                                                      \
  X(environment, kString)                                                  \
  X(service, kString)                                                      \
  X(user_id, kString)                                                      \
  X(tier, kString)                                                         \
  X(flags, kString)      /* feature flags joined by kFlagSeparator */      \
  X(connection, kString) /* network effective type: slow-2g, 2g, 3g, 4g */ \
  X(rtt, kDouble)                                                          \
  X(downlink, kDouble)                                                     \
  X(save_data, kInt64)                                                     \
  X(truncated, kInt64) /* 1 when a text field was cut to its limit */      \
  /* page_view */                                                          \
  X(soft, kInt64)                                                          \
  X(dns, kDouble)                                                          \
  X(tcp, kDouble)                                                          \
  X(tls, kDouble)                                                          \
  X(request, kDouble)                                                      \
  X(ttfb, kDouble)                                                         \
  X(dom_interactive, kDouble)                                              \
  X(dom_content_loaded, kDouble)                                           \
  X(load, kDouble)                                                         \
  /* vital (name, value also for custom; value: an error's count) */       \
  X(name, kString)                                                         \
  X(value, kDouble)                                                        \
  X(rating, kString)                                                       \
  X(attribution, kString) /* JSON object */                                \
  /* error */                                                              \
  X(kind, kString)                                                         \
  X(message, kString)                                                      \
  X(stack, kString)                                                        \
  X(file, kString)                                                         \
  X(line, kInt64)                                                          \
  X(column, kInt64)                                                        \
  X(breadcrumbs, kString) /* JSON array */                                 \
  /* api_call */                                                           \
  X(method, kString)                                                       \
  X(request_url, kString) /* the api_call's "url" on the wire */           \
  X(status, kInt64)                                                        \
  X(duration, kDouble)                                                     \
  X(trace_id, kString)                                                     \
  X(span_id, kString)                                                      \
  /* action */                                                             \
  X(action, kString)                                                       \
  X(target, kString)                                                       \
  X(feature, kString)                                                      \
  /* custom attributes; resource and long_task fields */                   \
  X(attributes, kString) /* JSON object */                                 \
  /* enrichment: where and on what the visitor is (src/enrich/) */         \
  X(country, kString) /* ISO 3166-1 alpha-2 */                             \
  X(region, kString)  /* region group: NA, LATAM, EU, MEA, APAC */         \
  X(city, kString)                                                         \
  X(device, kString)          /* desktop, mobile, tablet, other */         \
  X(browser, kString)         /* uap-core family */                        \
  X(browser_version, kString) /* major */                                  \
  X(os, kString)              /* uap-core family */                        \
  X(os_version, kString)                                                   \
  X(request_route, kString) /* api_call: host, templated path */           \
  /* span (also trace_id, span_id, name, service, kind, method, */         \
  /* status, duration, request_url, message, attributes) */                \
  X(parent_span_id, kString)                                               \
  X(start_ns, kInt64)     /* epoch ns; ts holds milliseconds */            \
  X(span_status, kString) /* ok | error; empty: unset */                   \
  X(size, kInt64)         /* api_call: response bytes (Content-Length) */

enum class ColumnId : uint8_t {
#define SL_COLUMN_ENUM(member, kind) member,
  SIGHTLINE_EVENT_COLUMNS(SL_COLUMN_ENUM)
#undef SL_COLUMN_ENUM
      kCount
};

inline constexpr size_t kNumColumns = static_cast<size_t>(ColumnId::kCount);
static_assert(kNumColumns <= 64, "the WAL codec keeps a 64-bit presence mask per event");
static_assert(static_cast<size_t>(ColumnId::ts) == 0, "decoders pick a partition by ts first");

struct ColumnInfo {
  std::string_view name;
  ColumnKind kind;
};

inline constexpr ColumnInfo kColumns[] = {
#define SL_COLUMN_INFO(member, kind) {#member, ColumnKind::kind},
    SIGHTLINE_EVENT_COLUMNS(SL_COLUMN_INFO)
#undef SL_COLUMN_INFO
};

inline constexpr char kFlagSeparator = '\x1f';

namespace detail {
template <ColumnKind K>
struct ColumnCpp;
template <>
struct ColumnCpp<ColumnKind::kInt64> {
  using type = int64_t;
  static constexpr int64_t kNull = kNullInt;
};
template <>
struct ColumnCpp<ColumnKind::kDouble> {
  using type = double;
  static constexpr double kNull = kNullDouble;
};
template <>
struct ColumnCpp<ColumnKind::kString> {
  using type = std::string;
  static inline const std::string kNull;
};
}  // namespace detail

inline constexpr uint64_t ColumnBit(ColumnId id) { return uint64_t{1} << static_cast<size_t>(id); }

struct Event {
#define SL_EVENT_MEMBER(member, kind) \
  detail::ColumnCpp<ColumnKind::kind>::type member = detail::ColumnCpp<ColumnKind::kind>::kNull;
  SIGHTLINE_EVENT_COLUMNS(SL_EVENT_MEMBER)
#undef SL_EVENT_MEMBER
  // Not a column. Bit c set (ColumnBit): column c's value is the batch's context value
  // (EventBatch::context), and the event's own member for c is null. A beacon's events share
  // its context this way instead of each holding a copy; 0 means the event holds all its values.
  uint64_t inherited = 0;
};

// The events of one beacon, all of one project.
struct EventBatch {
  EventBatch() = default;
  EventBatch(std::string project_id, std::vector<Event> batch_events)
      : project(std::move(project_id)), events(std::move(batch_events)) {}

  std::string project;
  std::vector<Event> events;
  Event context;  // the values events inherit (Event::inherited); its own `inherited` is 0
};

inline bool IsNull(int64_t v) { return v == kNullInt; }
inline bool IsNull(double v) { return std::isnan(v); }
inline bool IsNull(const std::string& v) { return v.empty(); }
// The events an event kept with probability `sample_rate` stands for: 1/sample_rate, and 1 when
// the rate is null or not positive.
inline double SampleWeight(double sample_rate) {
  return (IsNull(sample_rate) || sample_rate <= 0) ? 1.0 : 1.0 / sample_rate;
}
inline void SetNull(int64_t* v) { *v = kNullInt; }
inline void SetNull(double* v) { *v = kNullDouble; }
inline void SetNull(std::string* v) { v->clear(); }  // keeps the buffer for reuse

// Looks a column up by name; returns false when there is none.
bool FindColumn(std::string_view name, ColumnId* id);

// The bits (ColumnBit) of the columns `event` itself holds a value for.
uint64_t NonNullColumns(const Event& event);

// batch.events[index] with its inherited values filled in from batch.context (inherited = 0).
Event ResolvedEvent(const EventBatch& batch, size_t index);

}  // namespace sightline
