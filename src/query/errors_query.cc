#include "query/errors_query.h"

#include <xxhash.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <map>
#include <memory>
#include <unordered_map>

#include "common/json_writer.h"
#include "query/dimensions.h"
#include "query/session_query.h"

namespace sightline {
namespace {

// The detail's breakdowns: API dimension names, and for versions the family and version joined.
struct Breakdown {
  std::string_view name;
  ColumnId column;
  ColumnId family = ColumnId::kCount;  // prefixed to the value ("Chrome 120") when set
};
constexpr Breakdown kBreakdowns[] = {
    {"browser", ColumnId::browser},
    {"browser_version", ColumnId::browser_version, ColumnId::browser},
    {"os", ColumnId::os},
    {"os_version", ColumnId::os_version, ColumnId::os},
    {"device", ColumnId::device},
    {"country", ColumnId::country},
    {"region", ColumnId::region},
    {"route", ColumnId::route},
    {"release", ColumnId::release},
    {"environment", ColumnId::environment},
    {"flag", ColumnId::flags},
    {"tier", ColumnId::tier},
    {"connection", ColumnId::connection},
};
constexpr size_t kNumBreakdowns = std::size(kBreakdowns);
constexpr size_t kBreakdownValues = 10;

// An occurrence's context, kept for the detail's recent list.
constexpr ColumnId kContextColumns[] = {
    ColumnId::release,    ColumnId::environment,  ColumnId::url,
    ColumnId::route,      ColumnId::browser,      ColumnId::browser_version,
    ColumnId::os,         ColumnId::os_version,   ColumnId::device,
    ColumnId::country,    ColumnId::region,       ColumnId::city,
    ColumnId::connection, ColumnId::tier,         ColumnId::flags,
    ColumnId::session_id, ColumnId::page_view_id, ColumnId::user_id,
    ColumnId::kind,       ColumnId::message,      ColumnId::breadcrumbs,
};

struct Occurrence {
  int64_t ts = 0;
  double count = 1;
  size_t identity = 0;
  std::array<std::string, std::size(kContextColumns)> values;
};

struct Group {
  size_t identity = 0;  // the earliest occurrence's: culprit and frames
  bool in_range = false;
  double count = 0;
  uint64_t samples = 0;
  // (XXH3 of the session or user id, weight) per occurrence; distinct ids are counted at the end
  // (two of a few million ids sharing a 64-bit hash is a one-in-a-million event).
  std::vector<std::pair<uint64_t, double>> sessions, users;
  int64_t first_seen = INT64_MAX, last_seen = INT64_MIN;
  std::string first_release;
  struct Release {
    std::string name;
    int64_t first = INT64_MAX;  // its first occurrence, all history
    double count = 0;           // in the range and filters
  };
  std::vector<Release> releases;  // a group's releases are few: found by a linear search
  Release& ReleaseOf(std::string_view name) {
    for (Release& r : releases) {
      if (r.name == name) return r;
    }
    releases.push_back({std::string(name)});
    return releases.back();
  }
  std::vector<double> trend;
  std::string kind, message;  // of the latest occurrence in range
  int64_t message_ts = INT64_MIN;
  std::array<std::unordered_map<std::string, double>, kNumBreakdowns> breakdowns;
  // Weighted count per browser and message ("Chrome\x1f<message>"): the group's wordings, which
  // differ by engine for one fault.
  std::unordered_map<std::string, double> messages;
  std::vector<Occurrence> recent;
  // Filled after the scan.
  double session_weight = 0, user_weight = 0;
  std::string status = "open";
  int64_t status_changed_ms = 0;
  bool regression = false;
  std::string regressed_in;
};

// The weight of the distinct ids: each counted once, with the largest weight it came with.
double DistinctWeight(std::vector<std::pair<uint64_t, double>>* ids) {
  std::sort(ids->begin(), ids->end());
  double sum = 0;
  for (size_t i = 0; i < ids->size(); ++i) {
    if (i + 1 == ids->size() || (*ids)[i + 1].first != (*ids)[i].first) sum += (*ids)[i].second;
  }
  return sum;
}

int64_t BucketMs(int64_t from_ms, int64_t to_ms) {
  const int64_t span = to_ms - from_ms;
  if (span <= 2 * 86400000LL) return 3600000LL;
  if (span <= 90 * 86400000LL) return 86400000LL;
  return 7 * 86400000LL;
}

struct Scanned {
  std::vector<ErrorIdentity> identities;
  std::unordered_map<std::string, Group> groups;  // by fingerprint
  int64_t bucket_ms = 0;
  uint64_t scanned = 0;
};

// One scanning thread's state: its own memo of distinct errors and its own groups.
struct Worker {
  explicit Worker(const std::vector<DimensionFilter>& filters) : filter(filters) {}
  Scanned out;
  std::unordered_map<std::string, size_t> identity_of;
  std::string key;
  BatchFilter filter;
};

// Adds `from` (whose identity indices are offset by `offset` in the merged list) into `into`.
void MergeGroup(Group&& from, size_t offset, size_t occurrences, Group* into) {
  from.identity += offset;
  for (Occurrence& o : from.recent) o.identity += offset;
  if (into->first_seen == INT64_MAX) {
    *into = std::move(from);
    return;
  }
  into->in_range = into->in_range || from.in_range;
  into->count += from.count;
  into->samples += from.samples;
  into->sessions.insert(into->sessions.end(), from.sessions.begin(), from.sessions.end());
  into->users.insert(into->users.end(), from.users.begin(), from.users.end());
  if (from.first_seen < into->first_seen) {
    into->first_seen = from.first_seen;
    into->first_release = std::move(from.first_release);
    into->identity = from.identity;
  }
  into->last_seen = std::max(into->last_seen, from.last_seen);
  for (const Group::Release& r : from.releases) {
    Group::Release& mine = into->ReleaseOf(r.name);
    mine.first = std::min(mine.first, r.first);
    mine.count += r.count;
  }
  for (size_t b = 0; b < into->trend.size(); ++b) into->trend[b] += from.trend[b];
  if (from.message_ts > into->message_ts) {
    into->message_ts = from.message_ts;
    into->kind = std::move(from.kind);
    into->message = std::move(from.message);
  }
  for (size_t b = 0; b < kNumBreakdowns; ++b) {
    for (auto& [value, count] : from.breakdowns[b]) into->breakdowns[b][value] += count;
  }
  for (auto& [value, count] : from.messages) into->messages[value] += count;
  for (Occurrence& o : from.recent) into->recent.push_back(std::move(o));
  if (into->recent.size() > occurrences) {
    std::partial_sort(into->recent.begin(), into->recent.begin() + occurrences, into->recent.end(),
                      [](const Occurrence& a, const Occurrence& b) { return a.ts > b.ts; });
    into->recent.resize(occurrences);
  }
}

Status ScanErrors(Store& store, const ErrorsQuery& query, ErrorsContext& context, bool detail,
                  Scanned* out) {
  ScanSpec scan;
  scan.project = query.project;
  scan.from_ms = std::min(query.history_from_ms, query.from_ms);
  scan.to_ms = query.to_ms;
  scan.types = {"error"};
  for (ColumnId c :
       {ColumnId::ts, ColumnId::type, ColumnId::session_id, ColumnId::user_id,
        ColumnId::sample_rate, ColumnId::kind, ColumnId::message, ColumnId::stack, ColumnId::file,
        ColumnId::line, ColumnId::column, ColumnId::release, ColumnId::url, ColumnId::value}) {
    scan.columns.set(static_cast<size_t>(c));
  }
  for (const DimensionFilter& f : query.filters)
    scan.columns.set(static_cast<size_t>(f.dim.column));
  if (detail) {
    for (const Breakdown& b : kBreakdowns) scan.columns.set(static_cast<size_t>(b.column));
    for (ColumnId c : kContextColumns) scan.columns.set(static_cast<size_t>(c));
  }
  const int64_t bucket_ms = BucketMs(query.from_ms, query.to_ms);
  out->bucket_ms = bucket_ms;
  const size_t buckets =
      static_cast<size_t>((query.to_ms - query.from_ms + bucket_ms - 1) / bucket_ms);
  const size_t context_lines = detail ? 3 : 0;
  std::vector<std::unique_ptr<Worker>> workers;
  for (size_t i = 0; i < SessionWorkers(); ++i) {
    workers.push_back(std::make_unique<Worker>(query.filters));
  }
  Status status = store.ScanParallel(
      scan, workers.size(), [&](size_t worker, const ColumnBatch& batch) -> Status {
        Worker& self = *workers[worker];
        Scanned* out = &self.out;
        std::unordered_map<std::string, size_t>& identity_of = self.identity_of;
        std::string& key = self.key;
        BatchFilter& filter = self.filter;
        const Column& ts = batch.col(ColumnId::ts);
        const Column& type = batch.col(ColumnId::type);
        const Column& session = batch.col(ColumnId::session_id);
        const Column& user = batch.col(ColumnId::user_id);
        const Column& rate = batch.col(ColumnId::sample_rate);
        const Column& kind = batch.col(ColumnId::kind);
        const Column& message = batch.col(ColumnId::message);
        const Column& stack = batch.col(ColumnId::stack);
        const Column& file = batch.col(ColumnId::file);
        const Column& line = batch.col(ColumnId::line);
        const Column& column = batch.col(ColumnId::column);
        const Column& release = batch.col(ColumnId::release);
        const Column& url = batch.col(ColumnId::url);
        const Column& repeats = batch.col(ColumnId::value);
        filter.Reset(batch);
        for (size_t row = 0; row < batch.rows; ++row) {
          const int64_t t = ts.ints[row];
          if (t < scan.from_ms || t >= scan.to_ms || type.str(row) != "error") continue;
          const std::string_view page_origin = UrlOrigin(url.str(row));
          key.clear();
          for (std::string_view part : {release.str(row), kind.str(row), message.str(row),
                                        stack.str(row), file.str(row), page_origin}) {
            key.append(part).push_back('\x1f');
          }
          key.append(std::to_string(line.ints[row])).push_back(':');
          key.append(std::to_string(column.ints[row]));
          auto [memo, inserted] = identity_of.try_emplace(key, out->identities.size());
          if (inserted) {
            ErrorInput in;
            in.project = query.project;
            in.release = release.str(row);
            in.kind = kind.str(row);
            in.message = message.str(row);
            in.stack = stack.str(row);
            in.file = file.str(row);
            in.line = IsNull(line.ints[row]) ? 0 : line.ints[row];
            in.column = IsNull(column.ints[row]) ? 0 : column.ints[row];
            in.page_url = url.str(row);
            out->identities.push_back(IdentifyError(in, context.maps, context_lines));
          }
          const size_t identity = memo->second;
          const std::string& fingerprint = out->identities[identity].fingerprint;
          if (!query.fingerprint.empty() && fingerprint != query.fingerprint) continue;
          auto [it, created] = out->groups.try_emplace(fingerprint);
          Group& g = it->second;
          if (created) {
            g.identity = identity;
            g.trend.assign(buckets, 0);
          }
          const std::string_view rel = release.str(row);
          if (t < g.first_seen) {
            g.first_seen = t;
            g.first_release = std::string(rel);
            g.identity = identity;  // the earliest occurrence represents the group
          }
          g.last_seen = std::max(g.last_seen, t);
          Group::Release& seen = g.ReleaseOf(rel);
          seen.first = std::min(seen.first, t);

          if (t < query.from_ms || !filter.Keeps(batch, row)) continue;
          ++out->scanned;
          const double w = SampleWeight(rate.doubles[row]);
          const double n = IsNull(repeats.doubles[row]) ? 1.0 : repeats.doubles[row];
          g.in_range = true;
          g.count += w * n;
          ++g.samples;
          g.trend[static_cast<size_t>((t - query.from_ms) / bucket_ms)] += w * n;
          seen.count += w * n;
          const std::string_view sid = session.str(row);
          const std::string_view uid = user.str(row);
          if (!sid.empty()) g.sessions.emplace_back(XXH3_64bits(sid.data(), sid.size()), w);
          if (!uid.empty()) {
            g.users.emplace_back(XXH3_64bits_withSeed(uid.data(), uid.size(), 1), w);
          } else if (!sid.empty()) {  // an anonymous visitor: one per session
            g.users.emplace_back(XXH3_64bits_withSeed(sid.data(), sid.size(), 2), w);
          }
          if (t >= g.message_ts) {
            g.message_ts = t;
            g.kind = std::string(kind.str(row));
            g.message = std::string(message.str(row));
          }
          if (!detail) continue;
          g.messages[std::string(batch.col(ColumnId::browser).str(row)) + '\x1f' +
                     std::string(message.str(row))] += w * n;
          for (size_t b = 0; b < kNumBreakdowns; ++b) {
            const Breakdown& def = kBreakdowns[b];
            std::string_view value = batch.col(def.column).str(row);
            if (def.column == ColumnId::flags) {
              if (value.empty()) g.breakdowns[b][""] += w * n;
              for (size_t begin = 0; begin < value.size();) {
                size_t end = value.find(kFlagSeparator, begin);
                if (end == std::string_view::npos) end = value.size();
                g.breakdowns[b][std::string(value.substr(begin, end - begin))] += w * n;
                begin = end + 1;
              }
              continue;
            }
            std::string v(value);
            if (def.family != ColumnId::kCount && !v.empty()) {
              v = std::string(batch.col(def.family).str(row)) + " " + v;
            }
            g.breakdowns[b][v] += w * n;
          }
          if (query.occurrences == 0) continue;
          if (g.recent.size() == query.occurrences) {
            auto oldest =
                std::min_element(g.recent.begin(), g.recent.end(),
                                 [](const auto& a, const auto& b) { return a.ts < b.ts; });
            if (oldest->ts >= t) continue;
            g.recent.erase(oldest);
          }
          Occurrence o;
          o.ts = t;
          o.count = n;
          o.identity = identity;
          for (size_t c = 0; c < std::size(kContextColumns); ++c) {
            o.values[c] = std::string(batch.col(kContextColumns[c]).str(row));
          }
          g.recent.push_back(std::move(o));
        }
        return Status::Ok();
      });
  SL_RETURN_IF_ERROR(status);
  for (auto& w : workers) {
    const size_t offset = out->identities.size();
    for (ErrorIdentity& id : w->out.identities) out->identities.push_back(std::move(id));
    out->scanned += w->out.scanned;
    for (auto& [fingerprint, g] : w->out.groups) {
      MergeGroup(std::move(g), offset, query.occurrences, &out->groups[fingerprint]);
    }
  }
  return Status::Ok();
}

void Finish(const ErrorsContext& context, const std::string& fingerprint, Group* g) {
  g->session_weight = DistinctWeight(&g->sessions);
  g->user_weight = DistinctWeight(&g->users);
  if (auto it = context.states.find(fingerprint); it != context.states.end()) {
    g->status = it->second.status;
    g->status_changed_ms = it->second.changed_ms;
  }
  if (g->status == "resolved") {
    int64_t earliest = INT64_MAX;
    for (const Group::Release& r : g->releases) {
      if (r.first > g->status_changed_ms && r.first < earliest) {
        earliest = r.first;
        g->regressed_in = r.name;
      }
    }
    g->regression = earliest != INT64_MAX;
    if (g->regression) g->status = "open";
  }
}

void WriteFrame(JsonWriter& w, const MappedFrame& f, bool with_context) {
  w.BeginObject();
  w.Key("function");
  w.String(f.function);
  w.Key("file");
  w.String(f.generated.file);
  w.Key("line");
  w.Int(f.generated.line);
  w.Key("column");
  w.Int(f.generated.column);
  w.Key("in_app");
  w.Bool(f.in_app);
  w.Key("mapped");
  w.Bool(f.mapped);
  if (f.mapped) {
    w.Key("source");
    w.String(f.source);
    w.Key("source_line");
    w.Int(f.source_line);
    w.Key("source_column");
    w.Int(f.source_column);
    w.Key("generated_function");
    w.String(f.generated.function);
    if (with_context && f.context) {
      w.Key("context");
      w.BeginObject();
      w.Key("pre");
      w.BeginArray();
      for (const std::string& l : f.context->pre) w.String(l);
      w.EndArray();
      w.Key("line");
      w.String(f.context->line);
      w.Key("post");
      w.BeginArray();
      for (const std::string& l : f.context->post) w.String(l);
      w.EndArray();
      w.EndObject();
    }
  }
  if (f.generated.native) {
    w.Key("native");
    w.Bool(true);
  }
  w.EndObject();
}

void WriteGroupFields(JsonWriter& w, const std::string& fingerprint, const Group& g,
                      const ErrorIdentity& identity) {
  w.Key("fingerprint");
  w.String(fingerprint);
  w.Key("type");
  w.String(g.kind);
  w.Key("message");
  w.String(g.message);
  w.Key("culprit");
  w.String(identity.culprit);
  w.Key("top_frame");
  const MappedFrame* top = nullptr;
  for (const MappedFrame& f : identity.frames) {
    if (f.in_app) {
      top = &f;
      break;
    }
  }
  if (!top && !identity.frames.empty()) top = &identity.frames[0];
  if (top) {
    WriteFrame(w, *top, false);
  } else {
    w.Null();
  }
  w.Key("count");
  w.Double(g.count);
  w.Key("occurrences");
  w.Int(static_cast<int64_t>(g.samples));
  w.Key("sessions");
  w.Double(g.session_weight);
  w.Key("users");
  w.Double(g.user_weight);
  w.Key("first_seen");
  w.Int(g.first_seen);
  w.Key("last_seen");
  w.Int(g.last_seen);
  w.Key("first_release");
  w.String(g.first_release);
  w.Key("releases");
  w.BeginArray();
  std::vector<std::pair<int64_t, std::string_view>> releases;
  for (const Group::Release& r : g.releases) {
    if (r.count > 0) releases.emplace_back(r.first, r.name);
  }
  std::sort(releases.begin(), releases.end());
  for (const auto& [first, release] : releases) w.String(release);
  w.EndArray();
  w.Key("status");
  w.String(g.status);
  if (g.status_changed_ms > 0) {
    w.Key("status_changed");
    w.Int(g.status_changed_ms);
  }
  w.Key("regression");
  w.Bool(g.regression);
  if (g.regression) {
    w.Key("regressed_in");
    w.String(g.regressed_in);
  }
  w.Key("trend");
  w.BeginArray();
  for (double v : g.trend) w.Double(v);
  w.EndArray();
}

void WriteRangeAndBuckets(JsonWriter& w, const ErrorsQuery& query, const Scanned& s) {
  w.Key("bucket_ms");
  w.Int(s.bucket_ms);
  WriteScanRangeAndSource(w, query.from_ms, query.to_ms, s.scanned);
}

}  // namespace

bool ValidFingerprint(std::string_view fingerprint) {
  if (fingerprint.size() != 16) return false;
  for (char c : fingerprint) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::optional<QueryError> ParseErrorsQuery(const QueryParams& params, int64_t now_ms,
                                           ErrorsQuery* query) {
  if (auto err = ParseTimeRange(params, now_ms, &query->from_ms, &query->to_ms)) return err;
  if (auto err = ParseFilters(params, &query->filters)) return err;
  size_t limit = 0;
  if (auto err = ParseLimit(params, &limit)) return err;
  if (limit > 1000) return QueryError{"limit", "at most 1000 groups"};
  if (limit > 0) query->limit = limit;
  if (const std::string* sort = FindParam(params, "sort")) {
    if (*sort != "count" && *sort != "users" && *sort != "sessions" && *sort != "newest" &&
        *sort != "last_seen") {
      return QueryError{
          "sort", "must be count, users, sessions, newest or last_seen, got \"" + *sort + "\""};
    }
    query->sort = *sort;
  }
  if (const std::string* status = FindParam(params, "status")) {
    if (!ErrorStates::ValidStatus(*status)) {
      return QueryError{"status", "must be open, resolved or ignored, got \"" + *status + "\""};
    }
    query->status = *status;
  }
  return std::nullopt;
}

Result<std::string> RunErrorsList(Store& store, const ErrorsQuery& query, ErrorsContext& context) {
  Scanned s;
  SL_RETURN_IF_ERROR(ScanErrors(store, query, context, false, &s));
  std::vector<std::pair<const std::string*, Group*>> order;
  for (auto& [fingerprint, g] : s.groups) {
    if (!g.in_range) continue;
    Finish(context, fingerprint, &g);
    if (!query.status.empty() && g.status != query.status) continue;
    order.emplace_back(&fingerprint, &g);
  }
  auto by = [&](const Group* g) -> double {
    if (query.sort == "users") return g->user_weight;
    if (query.sort == "sessions") return g->session_weight;
    if (query.sort == "newest") return static_cast<double>(g->first_seen);
    if (query.sort == "last_seen") return static_cast<double>(g->last_seen);
    return g->count;
  };
  std::sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    if (by(a.second) != by(b.second)) return by(a.second) > by(b.second);
    if (a.second->count != b.second->count) return a.second->count > b.second->count;
    return *a.first < *b.first;
  });
  const size_t total = order.size();
  if (order.size() > query.limit) order.resize(query.limit);
  JsonWriter w;
  w.BeginObject();
  w.Key("groups");
  w.BeginArray();
  for (const auto& [fingerprint, g] : order) {
    w.BeginObject();
    WriteGroupFields(w, *fingerprint, *g, s.identities[g->identity]);
    w.EndObject();
  }
  w.EndArray();
  w.Key("total_groups");
  w.Int(static_cast<int64_t>(total));
  WriteRangeAndBuckets(w, query, s);
  w.EndObject();
  return w.Take();
}

Result<std::string> RunErrorDetail(Store& store, const ErrorsQuery& query, ErrorsContext& context) {
  Scanned s;
  SL_RETURN_IF_ERROR(ScanErrors(store, query, context, true, &s));
  auto it = s.groups.find(query.fingerprint);
  if (it == s.groups.end()) {
    return Status::NotFound("no error group " + query.fingerprint + " in project " + query.project);
  }
  Group& g = it->second;
  Finish(context, query.fingerprint, &g);
  JsonWriter w;
  w.BeginObject();
  w.Key("group");
  w.BeginObject();
  WriteGroupFields(w, query.fingerprint, g, s.identities[g.identity]);
  w.EndObject();
  w.Key("breakdowns");
  w.BeginObject();
  for (size_t b = 0; b < kNumBreakdowns; ++b) {
    w.Key(kBreakdowns[b].name);
    std::vector<std::pair<double, std::string>> values;
    for (const auto& [value, count] : g.breakdowns[b]) values.emplace_back(count, value);
    std::sort(values.begin(), values.end(), [](const auto& x, const auto& y) {
      return x.first != y.first ? x.first > y.first : x.second < y.second;
    });
    w.BeginArray();
    double other = 0;
    for (size_t i = 0; i < values.size(); ++i) {
      if (i >= kBreakdownValues) {
        other += values[i].first;
        continue;
      }
      w.BeginObject();
      w.Key("value");
      w.StringOrNull(values[i].second);
      w.Key("count");
      w.Double(values[i].first);
      w.Key("share");
      w.Double(g.count > 0 ? values[i].first / g.count : 0);
      w.EndObject();
    }
    if (other > 0) {
      w.BeginObject();
      w.Key("other");
      w.Bool(true);
      w.Key("count");
      w.Double(other);
      w.Key("share");
      w.Double(other / g.count);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  // The wordings of the group's fault, most frequent first.
  std::vector<std::pair<double, std::string_view>> messages;
  for (const auto& [value, count] : g.messages) messages.emplace_back(count, value);
  std::sort(messages.begin(), messages.end(), [](const auto& x, const auto& y) {
    return x.first != y.first ? x.first > y.first : x.second < y.second;
  });
  if (messages.size() > kBreakdownValues) messages.resize(kBreakdownValues);
  w.Key("messages");
  w.BeginArray();
  for (const auto& [count, value] : messages) {
    const size_t cut = value.find('\x1f');
    w.BeginObject();
    w.Key("browser");
    w.StringOrNull(value.substr(0, cut));
    w.Key("message");
    w.String(value.substr(cut + 1));
    w.Key("count");
    w.Double(count);
    w.EndObject();
  }
  w.EndArray();
  std::sort(g.recent.begin(), g.recent.end(),
            [](const Occurrence& a, const Occurrence& b) { return a.ts > b.ts; });
  w.Key("occurrences");
  w.BeginArray();
  for (const Occurrence& o : g.recent) {
    w.BeginObject();
    w.Key("ts");
    w.Int(o.ts);
    w.Key("count");
    w.Double(o.count);
    for (size_t c = 0; c < std::size(kContextColumns); ++c) {
      const ColumnId id = kContextColumns[c];
      const std::string& v = o.values[c];
      w.Key(id == ColumnId::kind ? "type" : kColumns[static_cast<size_t>(id)].name);
      if (id == ColumnId::breadcrumbs) {
        if (v.empty()) {
          w.Raw("[]");
        } else {
          w.Raw(v);  // stored as validated JSON text
        }
      } else if (id == ColumnId::flags) {
        w.BeginArray();
        for (size_t begin = 0; begin < v.size();) {
          size_t end = v.find(kFlagSeparator, begin);
          if (end == std::string::npos) end = v.size();
          w.String(std::string_view(v).substr(begin, end - begin));
          begin = end + 1;
        }
        w.EndArray();
      } else {
        w.StringOrNull(v);
      }
    }
    w.Key("frames");
    w.BeginArray();
    for (const MappedFrame& f : s.identities[o.identity].frames) WriteFrame(w, f, true);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  WriteRangeAndBuckets(w, query, s);
  w.EndObject();
  return w.Take();
}

}  // namespace sightline
