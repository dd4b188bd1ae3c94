#include "query/funnel_query.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "common/json_writer.h"
#include "common/time_parse.h"

namespace sightline {
namespace {

// One event of a session that matches some step: when, its order in the session, and which steps.
struct StepHit {
  int64_t ts;
  uint64_t seq;
  uint32_t steps;  // bit i: matches step i
};

}  // namespace

std::optional<QueryError> ParseFunnelQuery(const QueryParams& params, int64_t now_ms,
                                           FunnelQuery* query) {
  const std::string* steps = FindParam(params, "steps");
  if (steps == nullptr)
    return QueryError{"steps", "required: page:<route> or event:<name>, 2 to 10"};
  query->steps.clear();
  for (std::string_view text : SplitComma(*steps)) {
    FunnelStep step;
    step.text = std::string(text);
    if (text.starts_with("page:") && text.size() > 5) {
      step.kind = FunnelStep::Kind::kPage;
      step.value = std::string(text.substr(5));
    } else if (text.starts_with("event:") && text.size() > 6) {
      step.kind = FunnelStep::Kind::kEvent;
      step.value = std::string(text.substr(6));
    } else {
      return QueryError{"steps",
                        "\"" + std::string(text) + "\" is neither page:<route> nor event:<name>"};
    }
    query->steps.push_back(std::move(step));
  }
  if (query->steps.size() < 2 || query->steps.size() > kMaxFunnelSteps) {
    return QueryError{"steps", "a funnel has 2 to 10 steps"};
  }
  const std::string* window = FindParam(params, "window");
  query->window_ms = ParseDurationMs(window ? std::string_view(*window) : "30m");
  if (query->window_ms < 60'000 || query->window_ms > 7 * 86'400'000ll) {
    return QueryError{"window", "must be from 1m to 7d, written Nm, Nh or Nd (\"30m\", \"1d\")"};
  }
  SessionQuery& s = query->sessions;
  if (auto err = ParseTimeRange(params, now_ms, &s.from_ms, &s.to_ms)) return err;
  if (auto err = ParseFilters(params, &s.filters)) return err;
  if (auto err = ParseGroupBy(params, &s.group_by)) return err;
  if (s.group_by.size() > 1) return QueryError{"group_by", "at most one dimension"};
  if (!s.group_by.empty() && s.group_by[0].multi_valued) {
    return QueryError{"group_by",
                      "\"" + s.group_by[0].name + "\" holds several values per session"};
  }
  return std::nullopt;
}

Result<std::vector<FunnelGroup>> RunFunnel(Store& store, const FunnelQuery& query) {
  SessionCollector c;
  // Per worker: per session its step hits, and the hits' count (their order in the worker's scan).
  std::vector<std::vector<std::vector<StepHit>>> hits_of(SessionWorkers());
  std::vector<uint64_t> seq_of(hits_of.size(), 0);
  ColumnSet extra;
  extra.set(static_cast<size_t>(ColumnId::route));
  SessionQuery reads = query.sessions;  // steps are page views and business events
  reads.event_types = {"page_view", "custom"};
  SL_RETURN_IF_ERROR(
      CollectSessions(store, reads, &c, extra,
                      [&](size_t worker, size_t session, const ColumnBatch& batch, size_t row) {
                        const std::string_view type = batch.col(ColumnId::type).str(row);
                        const bool page = type == "page_view", custom = type == "custom";
                        if (!page && !custom) return;
                        const std::string_view key = page ? batch.col(ColumnId::route).str(row)
                                                          : batch.col(ColumnId::name).str(row);
                        uint32_t mask = 0;
                        for (size_t i = 0; i < query.steps.size(); ++i) {
                          const FunnelStep& step = query.steps[i];
                          if ((step.kind == FunnelStep::Kind::kPage) == page && step.value == key)
                            mask |= 1u << i;
                        }
                        if (mask == 0) return;
                        std::vector<std::vector<StepHit>>& hits = hits_of[worker];
                        if (hits.size() <= session) hits.resize(session + 1);
                        // Unique across workers, so that equal times still sort one way.
                        const uint64_t seq = seq_of[worker]++ * hits_of.size() + worker;
                        hits[session].push_back({batch.col(ColumnId::ts).ints[row], seq, mask});
                      }));
  std::vector<std::vector<StepHit>> hits =
      c.Join(std::move(hits_of), [](std::vector<StepHit>& into, std::vector<StepHit>&& from) {
        into.insert(into.end(), from.begin(), from.end());
      });

  const size_t n = query.steps.size();
  struct Acc {
    std::vector<FunnelStepResult> steps;
    std::vector<std::vector<std::pair<double, double>>> gaps;  // (ms, weight) per step
  };
  std::map<std::vector<std::string>, Acc> groups;
  std::vector<std::string> key(query.sessions.group_by.size());
  std::vector<int64_t> times(n), best_times(n);
  for (size_t i = 0; i < c.sessions.size(); ++i) {
    const SessionAcc& s = c.sessions[i];
    if (!c.Matches(i, query.sessions.filters)) continue;
    std::vector<StepHit>& events = hits[i];
    std::sort(events.begin(), events.end(), [](const StepHit& a, const StepHit& b) {
      return a.ts != b.ts ? a.ts < b.ts : a.seq < b.seq;
    });
    // From each occurrence of the first step, the deepest chain within the window.
    size_t best = 0;
    for (size_t start = 0; start < events.size() && best < n; ++start) {
      if (!(events[start].steps & 1)) continue;
      size_t level = 1;
      times[0] = events[start].ts;
      for (size_t e = start + 1; e < events.size() && level < n; ++e) {
        if (events[e].ts - times[0] > query.window_ms) break;
        if (events[e].steps >> level & 1) times[level++] = events[e].ts;
      }
      if (level > best) {
        best = level;
        std::copy(times.begin(), times.begin() + static_cast<ptrdiff_t>(level), best_times.begin());
      }
    }
    for (size_t d = 0; d < query.sessions.group_by.size(); ++d) {
      key[d].assign(c.value(i, query.sessions.group_by[d].column));
    }
    Acc& acc = groups[key];
    if (acc.steps.empty()) {
      acc.steps.resize(n);
      acc.gaps.resize(n);
    }
    for (size_t level = 0; level < best; ++level) {
      acc.steps[level].sessions += s.weight;
      ++acc.steps[level].session_samples;
      if (level > 0) {
        acc.gaps[level].emplace_back(static_cast<double>(best_times[level] - best_times[level - 1]),
                                     s.weight);
      }
    }
  }
  std::vector<FunnelGroup> out;
  for (auto& [group, acc] : groups) {
    if (acc.steps[0].session_samples == 0) continue;  // no session of this group started
    FunnelGroup g;
    g.group = group;
    for (size_t level = 0; level < n; ++level) {
      FunnelStepResult r = acc.steps[level];
      std::sort(acc.gaps[level].begin(), acc.gaps[level].end());
      r.median_ms_from_previous = WeightedQuantile(acc.gaps[level], r.sessions, 0.5);
      g.steps.push_back(r);
    }
    out.push_back(std::move(g));
  }
  std::stable_sort(out.begin(), out.end(), [](const FunnelGroup& a, const FunnelGroup& b) {
    return a.steps[0].sessions > b.steps[0].sessions;
  });
  return out;
}

std::string FormatFunnel(const FunnelQuery& query, const std::vector<FunnelGroup>& groups) {
  JsonWriter w;
  w.BeginObject();
  w.Key("steps");
  w.BeginArray();
  for (const FunnelStep& step : query.steps) w.String(step.text);
  w.EndArray();
  w.Key("window_ms");
  w.Int(query.window_ms);
  w.Key("rows");
  w.BeginArray();
  for (const FunnelGroup& g : groups) {
    w.BeginObject();
    WriteGroup(w, query.sessions.group_by, g.group);
    w.Key("steps");
    w.BeginArray();
    for (size_t level = 0; level < g.steps.size(); ++level) {
      const FunnelStepResult& r = g.steps[level];
      w.BeginObject();
      w.Key("step");
      w.String(query.steps[level].text);
      w.Key("sessions");
      w.Double(r.sessions);
      w.Key("session_samples");
      w.Int(static_cast<int64_t>(r.session_samples));
      w.Key("conversion_from_start");
      w.Double(r.sessions / g.steps[0].sessions);
      w.Key("conversion_from_previous");
      if (level == 0) {
        w.Double(1);
      } else if (g.steps[level - 1].sessions > 0) {
        w.Double(r.sessions / g.steps[level - 1].sessions);
      } else {
        w.Null();
      }
      w.Key("median_ms_from_previous");
      w.NumberOrNull(level == 0 ? NAN : r.median_ms_from_previous);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Key("from");
  w.Int(query.sessions.from_ms);
  w.Key("to");
  w.Int(query.sessions.to_ms);
  w.EndObject();
  return w.Take();
}

}  // namespace sightline
