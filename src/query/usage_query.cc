#include "query/usage_query.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <span>
#include <unordered_map>

#include "common/json_writer.h"

namespace sightline {
namespace {

constexpr char kPathSeparator = '\x1f';

// Strings to dense ids.
class Names {
 public:
  uint32_t Id(std::string_view s) {
    if (auto it = ids_.find(s); it != ids_.end()) return it->second;  // no string made to look
    const auto id = static_cast<uint32_t>(names_.size());
    ids_.emplace(std::string(s), id);
    names_.emplace_back(s);
    return id;
  }
  const std::string& Name(uint32_t id) const { return names_[id]; }
  size_t size() const { return names_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, uint32_t, Hash, std::equal_to<>> ids_;
  std::vector<std::string> names_;
};

// What one event of a session contributes: a key, a kind of count, and a number.
struct Mark {
  uint32_t key;
  uint8_t kind;   // per query: events 0; interactions 0 use, 1 click, 2 rage click; forms 0 submit,
                  // 1 abandon (number = the field's id + 1, 0 when none); paths 0 page
  double number;  // events: value (NaN none); forms: submit duration (NaN none); paths: ts
};

struct Row {
  uint32_t key;
  double count = 0, samples = 0, sum = 0, sessions = 0, extra = 0;
  std::vector<std::pair<double, double>> durations;  // forms: (ms, weight)
  std::unordered_map<uint32_t, double> fields;       // forms: abandoning field -> weight
};

// What the scan gathers for one query.
struct UsageState {
  Names keys, fields;
  // While scanning: (the worker's session index, mark) in scan order. Joined: every session's
  // marks, by session (marks[begin[i]] up to marks[begin[i + 1]]), each worker's in scan order.
  std::vector<std::pair<uint32_t, Mark>> scanned;
  std::vector<Mark> marks;
  std::vector<size_t> begin;
};

void BeginAnswer(JsonWriter& w, const UsageQuery& query, double sessions) {
  w.BeginObject();
  w.Key("from");
  w.Int(query.sessions.from_ms);
  w.Key("to");
  w.Int(query.sessions.to_ms);
  w.Key("sessions");
  w.Double(sessions);
}

// The rows with the most `count`, at most `limit`.
std::vector<Row*> Top(std::vector<Row>& rows, size_t limit) {
  std::vector<Row*> out;
  for (Row& r : rows) {
    if (r.count > 0 || r.sessions > 0) out.push_back(&r);
  }
  std::stable_sort(out.begin(), out.end(), [](const Row* a, const Row* b) {
    return a->count != b->count ? a->count > b->count : a->sessions > b->sessions;
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace

std::optional<QueryError> ParseUsageQuery(UsageQuery::Kind kind, const QueryParams& params,
                                          int64_t now_ms, UsageQuery* query) {
  query->kind = kind;
  SessionQuery& s = query->sessions;
  if (auto err = ParseTimeRange(params, now_ms, &s.from_ms, &s.to_ms)) return err;
  if (auto err = ParseFilters(params, &s.filters)) return err;
  auto whole = [&](std::string_view name, size_t lo, size_t hi,
                   size_t* into) -> std::optional<QueryError> {
    const std::string* text = FindParam(params, name);
    if (text == nullptr) return std::nullopt;
    size_t n = 0;
    auto res = std::from_chars(text->data(), text->data() + text->size(), n);
    if (res.ec != std::errc() || res.ptr != text->data() + text->size() || n < lo || n > hi) {
      return QueryError{std::string(name), "must be an integer in [" + std::to_string(lo) + ", " +
                                               std::to_string(hi) + "], got \"" + *text + "\""};
    }
    *into = n;
    return std::nullopt;
  };
  if (auto err = whole("limit", 1, 1000, &query->limit)) return err;
  if (kind == UsageQuery::Kind::kPaths) {
    if (auto err = whole("depth", 1, 10, &query->depth)) return err;
  }
  if (kind == UsageQuery::Kind::kInteractions) {
    const std::string* by = FindParam(params, "by");
    if (by != nullptr && *by != "target" && *by != "feature") {
      return QueryError{"by", "must be target or feature, got \"" + *by + "\""};
    }
    query->by_feature = by != nullptr && *by == "feature";
  }
  return std::nullopt;
}

std::optional<QueryError> ParseUsageParts(const QueryParams& params, int64_t now_ms,
                                          std::vector<std::string>* names,
                                          std::vector<UsageQuery>* queries) {
  using Kind = UsageQuery::Kind;
  const std::string* parts = FindParam(params, "parts");
  const std::string all = "events,interactions,features,forms,paths";
  for (std::string_view part : SplitComma(parts != nullptr ? *parts : all)) {
    Kind kind;
    if (part == "events") {
      kind = Kind::kEvents;
    } else if (part == "interactions" || part == "features") {
      kind = Kind::kInteractions;
    } else if (part == "forms") {
      kind = Kind::kForms;
    } else if (part == "paths") {
      kind = Kind::kPaths;
    } else if (part == "conversion") {
      kind = Kind::kConversion;
    } else {
      return QueryError{"parts", "unknown part \"" + std::string(part) +
                                     "\" (events, interactions, features, forms, paths, "
                                     "conversion)"};
    }
    if (std::find(names->begin(), names->end(), part) != names->end()) continue;
    UsageQuery query;
    query.sessions = queries->empty() ? SessionQuery{} : queries->front().sessions;
    QueryParams own;
    for (const auto& [key, value] : params) {
      if (key != "by") own.emplace_back(key, value);
    }
    if (kind == Kind::kConversion) {
      query.kind = kind;
      query.sessions = SessionQuery{};
      if (auto err = ParseConversionQuery(params, now_ms, &query.sessions)) return err;
      names->emplace_back(part);
      queries->push_back(std::move(query));
      continue;
    }
    if (auto err = ParseUsageQuery(kind, own, now_ms, &query)) return err;
    query.by_feature = part == "features";
    names->emplace_back(part);
    queries->push_back(std::move(query));
  }
  if (queries->empty()) return QueryError{"parts", "names no part"};
  return std::nullopt;
}

namespace {

// Custom events the agent sends about itself or for another report (its cost, abandoned forms):
// not the app's business events.
bool IsAgentEvent(std::string_view name) {
  return name.starts_with("sightline_") || name == "form_abandoned";
}

// The mark an event leaves for `query`, if any.
std::optional<Mark> MarkOf(const UsageQuery& query, UsageState& state, simdjson::dom::parser& json,
                           const ColumnBatch& batch, size_t row) {
  using Kind = UsageQuery::Kind;
  Names& keys = state.keys;
  Names& fields = state.fields;
  const std::string_view type = batch.col(ColumnId::type).str(row);
  std::optional<Mark> mark;
  switch (query.kind) {
    case Kind::kEvents:
      if (type == "custom" && !IsAgentEvent(batch.col(ColumnId::name).str(row))) {
        mark = Mark{keys.Id(batch.col(ColumnId::name).str(row)), 0,
                    batch.col(ColumnId::value).doubles[row]};
      }
      break;
    case Kind::kInteractions: {
      if (type != "action") break;
      const std::string_view action = batch.col(ColumnId::action).str(row);
      const std::string_view key =
          batch.col(query.by_feature ? ColumnId::feature : ColumnId::target).str(row);
      if (key.empty()) break;
      const uint8_t kind = action == "click" ? 1 : action == "rage_click" ? 2 : 0;
      if (!query.by_feature && kind == 0) break;  // targets: clicks only
      mark = Mark{keys.Id(key), kind, 0};
      break;
    }
    case Kind::kForms: {
      if (type == "action" && batch.col(ColumnId::action).str(row) == "form_submit") {
        std::string_view target = batch.col(ColumnId::target).str(row);
        std::string_view form = target.starts_with("form#") ? target.substr(5) : "";
        mark = Mark{keys.Id(form), 0, batch.col(ColumnId::duration).doubles[row]};
      } else if (type == "custom" && batch.col(ColumnId::name).str(row) == "form_abandoned") {
        std::string_view form, field;
        simdjson::dom::object attributes;
        if (json.parse(batch.col(ColumnId::attributes).str(row)).get(attributes) ==
            simdjson::SUCCESS) {
          if (attributes["form"].get(form) != simdjson::SUCCESS) form = {};
          if (attributes["last_field"].get(field) != simdjson::SUCCESS) field = {};
        }
        mark = Mark{keys.Id(form), 1, field.empty() ? 0.0 : fields.Id(field) + 1.0};
      }
      break;
    }
    case Kind::kPaths:
      if (type == "page_view") {
        mark = Mark{keys.Id(batch.col(ColumnId::route).str(row)), 0,
                    static_cast<double>(batch.col(ColumnId::ts).ints[row])};
      }
      break;
    case Kind::kConversion:  // answered from the sessions' fold alone
      break;
  }
  return mark;
}

// The answer of `query` from the sessions and the marks of its events.
std::string Answer(const UsageQuery& query, UsageState& state, const SessionCollector& c) {
  using Kind = UsageQuery::Kind;
  Names& keys = state.keys;
  Names& fields = state.fields;
  double total_sessions = 0;
  std::vector<Row> rows(keys.size());
  for (uint32_t k = 0; k < rows.size(); ++k) rows[k].key = k;
  std::vector<int64_t> seen(keys.size(), -1);     // the last session counted per key
  std::map<std::vector<uint32_t>, double> paths;  // by the pages' key ids
  std::vector<uint32_t> path;
  std::vector<double> exits(keys.size(), 0);
  for (size_t i = 0; i < c.sessions.size(); ++i) {
    const SessionAcc& s = c.sessions[i];
    if (!c.Matches(i, query.sessions.filters)) continue;
    total_sessions += s.weight;
    const auto first = state.marks.begin() + static_cast<ptrdiff_t>(state.begin[i]);
    const auto last = state.marks.begin() + static_cast<ptrdiff_t>(state.begin[i + 1]);
    const std::span<const Mark> ms(first, last);
    if (query.kind == Kind::kPaths) {
      // By time, stably: an insertion sort, as a session has a few pages.
      for (auto it = first + (first != last); it < last; ++it) {
        const Mark m = *it;
        auto hole = it;
        for (; hole > first && (hole - 1)->number > m.number; --hole) *hole = *(hole - 1);
        *hole = m;
      }
      path.clear();
      size_t pages = 0;
      uint32_t previous = UINT32_MAX;
      for (const Mark& m : ms) {
        if (m.key == previous) continue;  // a reload is not a step
        previous = m.key;
        if (pages++ < query.depth) path.push_back(m.key);
      }
      if (pages > 0) {
        auto it = paths.find(path);
        if (it == paths.end()) it = paths.emplace(path, 0.0).first;
        it->second += s.weight;
        exits[previous] += s.weight;
      }
    }
    for (const Mark& m : ms) {
      Row& r = rows[m.key];
      if (seen[m.key] != static_cast<int64_t>(i)) {
        seen[m.key] = static_cast<int64_t>(i);
        r.sessions += s.weight;
      }
      switch (query.kind) {
        case Kind::kEvents:
          r.count += s.weight;
          ++r.samples;
          if (!std::isnan(m.number)) r.sum += s.weight * m.number;
          break;
        case Kind::kInteractions:
          if (m.kind == 1 || query.by_feature) r.count += s.weight;
          if (m.kind == 1 || query.by_feature) ++r.samples;
          if (m.kind == 2) r.extra += s.weight;
          break;
        case Kind::kForms:
          if (m.kind == 0) {
            r.count += s.weight;  // submits
            if (!std::isnan(m.number)) r.durations.emplace_back(m.number, s.weight);
          } else {
            r.extra += s.weight;  // abandons
            if (m.number > 0) r.fields[static_cast<uint32_t>(m.number - 1)] += s.weight;
          }
          break;
        case Kind::kPaths:
        case Kind::kConversion:
          break;
      }
    }
  }

  JsonWriter w;
  BeginAnswer(w, query, total_sessions);
  auto share = [&](double sessions) {
    w.Double(total_sessions > 0 ? sessions / total_sessions : 0);
  };
  switch (query.kind) {
    case Kind::kEvents:
      w.Key("rows");
      w.BeginArray();
      for (Row* r : Top(rows, query.limit)) {
        w.BeginObject();
        w.Key("name");
        w.String(keys.Name(r->key));
        w.Key("count");
        w.Double(r->count);
        w.Key("samples");
        w.Double(r->samples);
        w.Key("sum");
        w.Double(r->sum);
        w.Key("sessions");
        w.Double(r->sessions);
        w.Key("session_share");
        share(r->sessions);
        w.EndObject();
      }
      w.EndArray();
      break;
    case Kind::kInteractions:
      w.Key("rows");
      w.BeginArray();
      for (Row* r : Top(rows, query.limit)) {
        w.BeginObject();
        w.Key(query.by_feature ? "feature" : "target");
        w.String(keys.Name(r->key));
        w.Key(query.by_feature ? "uses" : "clicks");
        w.Double(r->count);
        w.Key("rage_clicks");
        w.Double(r->extra);
        w.Key("sessions");
        w.Double(r->sessions);
        w.Key(query.by_feature ? "adoption" : "session_share");
        share(r->sessions);
        w.EndObject();
      }
      w.EndArray();
      break;
    case Kind::kForms: {
      for (Row& r : rows) r.count += r.extra;  // rank forms by starts
      w.Key("rows");
      w.BeginArray();
      for (Row* r : Top(rows, query.limit)) {
        const double submits = r->count - r->extra;
        w.BeginObject();
        w.Key("form");
        w.String(keys.Name(r->key));
        w.Key("submits");
        w.Double(submits);
        w.Key("abandons");
        w.Double(r->extra);
        w.Key("abandonment_rate");
        w.Double(r->extra / r->count);
        w.Key("p50_submit_ms");
        std::sort(r->durations.begin(), r->durations.end());
        double weight = 0;
        for (const auto& d : r->durations) weight += d.second;
        w.NumberOrNull(WeightedQuantile(r->durations, weight, 0.5));
        std::vector<std::pair<double, uint32_t>> by_field;
        for (const auto& [field, fw] : r->fields) by_field.emplace_back(-fw, field);
        std::sort(by_field.begin(), by_field.end());
        w.Key("abandoned_at");
        w.BeginArray();
        for (size_t f = 0; f < by_field.size() && f < 5; ++f) {
          w.BeginObject();
          w.Key("field");
          w.String(fields.Name(by_field[f].second));
          w.Key("abandons");
          w.Double(-by_field[f].first);
          w.EndObject();
        }
        w.EndArray();
        w.EndObject();
      }
      w.EndArray();
      break;
    }
    case Kind::kPaths: {
      std::vector<std::pair<double, std::string>> by_weight;
      for (const auto& [pages, weight] : paths) {
        std::string joined;
        for (uint32_t key : pages) {
          if (!joined.empty()) joined.push_back(kPathSeparator);
          joined += keys.Name(key);
        }
        by_weight.emplace_back(-weight, std::move(joined));
      }
      std::sort(by_weight.begin(), by_weight.end());
      w.Key("paths");
      w.BeginArray();
      for (size_t p = 0; p < by_weight.size() && p < query.limit; ++p) {
        w.BeginObject();
        w.Key("pages");
        w.BeginArray();
        std::string_view rest = by_weight[p].second;
        while (true) {
          const size_t sep = rest.find(kPathSeparator);
          w.String(rest.substr(0, sep));
          if (sep == std::string_view::npos) break;
          rest.remove_prefix(sep + 1);
        }
        w.EndArray();
        w.Key("sessions");
        w.Double(-by_weight[p].first);
        w.Key("share");
        share(-by_weight[p].first);
        w.EndObject();
      }
      w.EndArray();
      for (Row& r : rows) r.count = r.sessions;  // rank pages by sessions visiting
      w.Key("pages");
      w.BeginArray();
      for (Row* r : Top(rows, query.limit)) {
        w.BeginObject();
        w.Key("route");
        w.String(keys.Name(r->key));
        w.Key("sessions");
        w.Double(r->sessions);
        w.Key("exits");
        w.Double(exits[r->key]);
        w.Key("exit_rate");
        w.Double(exits[r->key] / r->sessions);
        w.EndObject();
      }
      w.EndArray();
      break;
    }
    case Kind::kConversion:  // RunUsageQueries formats it
      break;
  }
  w.EndObject();
  return w.Take();
}

}  // namespace

Result<std::vector<std::string>> RunUsageQueries(Store& store,
                                                 const std::vector<UsageQuery>& queries) {
  if (queries.empty()) return std::vector<std::string>();
  SessionCollector c;
  // Per worker of the scan: each query's state, and a JSON parser.
  const size_t workers = SessionWorkers();
  std::vector<std::vector<UsageState>> states_of(workers, std::vector<UsageState>(queries.size()));
  std::vector<simdjson::dom::parser> json(workers);
  ColumnSet extra;
  for (ColumnId col : {ColumnId::route, ColumnId::action, ColumnId::target, ColumnId::feature,
                       ColumnId::duration, ColumnId::attributes}) {
    extra.set(static_cast<size_t>(col));
  }
  auto hook = [&](size_t worker, size_t session, const ColumnBatch& batch, size_t row) {
    for (size_t q = 0; q < queries.size(); ++q) {
      UsageState& state = states_of[worker][q];
      std::optional<Mark> mark = MarkOf(queries[q], state, json[worker], batch, row);
      if (!mark) continue;
      state.scanned.emplace_back(static_cast<uint32_t>(session), *mark);
    }
  };
  SessionQuery reads = queries[0].sessions;  // what usage is made of: pages, actions, events
  reads.event_types = {"page_view", "action", "custom"};
  for (const UsageQuery& q : queries) {
    if (q.kind != UsageQuery::Kind::kConversion) continue;
    // Conversion also needs each session's landing vital: that vital's rows, and no other's.
    reads.vital = q.sessions.vital;
    reads.event = q.sessions.event;
    reads.event_types.push_back("vital");
    reads.event_names = {q.sessions.vital};
    reads.event_named_types = {"vital"};
  }
  SL_RETURN_IF_ERROR(CollectSessions(store, reads, &c, extra, hook));
  std::vector<std::string> answers;
  for (size_t q = 0; q < queries.size(); ++q) {
    // The workers' names (keys, form fields) in one numbering, their marks renumbered and put in
    // session order (a counting sort: stable, so each worker's marks keep their scan order).
    UsageState merged;
    std::vector<size_t> count(c.sessions.size() + 1, 0);
    for (size_t w = 0; w < workers; ++w) {
      UsageState& state = states_of[w][q];
      std::vector<uint32_t> key_of(state.keys.size()), field_of(state.fields.size());
      for (uint32_t k = 0; k < key_of.size(); ++k) key_of[k] = merged.keys.Id(state.keys.Name(k));
      for (uint32_t f = 0; f < field_of.size(); ++f) {
        field_of[f] = merged.fields.Id(state.fields.Name(f));
      }
      for (auto& [session, m] : state.scanned) {
        session = static_cast<uint32_t>(c.index_of[w][session]);
        m.key = key_of[m.key];
        if (queries[q].kind == UsageQuery::Kind::kForms && m.kind == 1 && m.number > 0) {
          m.number = field_of[static_cast<uint32_t>(m.number - 1)] + 1.0;
        }
        ++count[session + 1];
      }
    }
    merged.begin.assign(c.sessions.size() + 1, 0);
    for (size_t i = 0; i < c.sessions.size(); ++i)
      merged.begin[i + 1] = merged.begin[i] + count[i + 1];
    merged.marks.resize(merged.begin.back());
    std::vector<size_t> next(merged.begin.begin(), merged.begin.end() - 1);
    for (size_t w = 0; w < workers; ++w) {
      for (const auto& [session, m] : states_of[w][q].scanned) merged.marks[next[session]++] = m;
      std::vector<std::pair<uint32_t, Mark>>().swap(states_of[w][q].scanned);
    }
    if (queries[q].kind == UsageQuery::Kind::kConversion) {
      answers.push_back(
          FormatConversion(queries[q].sessions, ConversionOf(c, queries[q].sessions)));
      continue;
    }
    answers.push_back(Answer(queries[q], merged, c));
  }
  return answers;
}

Result<std::string> RunUsageQuery(Store& store, const UsageQuery& query) {
  Result<std::vector<std::string>> answers = RunUsageQueries(store, {query});
  if (!answers.ok()) return answers.status();
  return std::move((*answers)[0]);
}

}  // namespace sightline
