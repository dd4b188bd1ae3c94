#include "query/trace_query.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <unordered_map>

#include "common/json_writer.h"

namespace sightline {
namespace {

constexpr int64_t kDefaultTraceRangeMs = 7 * 24 * 3600 * 1000LL;
// The agent stamps a call's end in whole milliseconds: its start is known to within one.
constexpr double kBrowserStampMs = 1.0;

// One node of the waterfall: a stored span, or the browser's call (an api_call event).
struct Node {
  std::string span_id, parent_span_id, name, service, kind, source, status, method, route, url,
      message, attributes;
  double start_ms = 0;  // epoch milliseconds, fractional
  double duration_ms = 0;
  int64_t status_code = kNullInt;
  double clock_adjusted_ms = 0;
  std::vector<size_t> children;
  int depth = 0;
};

// The browser's context of the trace, from its api_call.
struct BrowserContext {
  std::string session_id, page_view_id, route, url, release, device, browser, os, country;
};

bool IsHexId(std::string_view id, size_t digits) {
  if (id.size() != digits) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return id.find_first_not_of('0') != std::string_view::npos;
}

// The first id of `wanted` in a batch's dictionary of that column, or -1.
int64_t DictId(const Column& column, std::string_view wanted) {
  for (size_t d = 1; d < column.dict.size(); ++d) {
    if (column.dict[d] == wanted) return static_cast<int64_t>(d);
  }
  return -1;
}

// Moves a subtree in time. The children lists must form a forest.
void Shift(std::vector<Node>& nodes, size_t index, double by) {
  std::vector<size_t> stack{index};
  while (!stack.empty()) {
    const size_t k = stack.back();
    stack.pop_back();
    nodes[k].start_ms += by;
    stack.insert(stack.end(), nodes[k].children.begin(), nodes[k].children.end());
  }
}

double EndOf(const Node& n) { return n.start_ms + n.duration_ms; }

void WriteStringIf(JsonWriter& w, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  w.Key(key);
  w.String(value);
}

}  // namespace

std::optional<QueryError> ParseTraceQuery(std::string_view trace_id, const QueryParams& params,
                                          int64_t now_ms, TraceQuery* query) {
  std::string id(trace_id);
  for (char& c : id) c = static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
  if (!IsHexId(id, 32)) {
    return QueryError{"trace_id", "must be 32 hex digits, not all zero"};
  }
  query->trace_id = std::move(id);
  if (auto err = ParseTimeRange(params, now_ms, &query->from_ms, &query->to_ms)) return err;
  if (FindParam(params, "from") == nullptr) query->from_ms = query->to_ms - kDefaultTraceRangeMs;
  return std::nullopt;
}

Result<std::string> RunTraceQuery(Store& store, const TraceQuery& query) {
  ScanSpec scan;
  scan.project = query.project;
  scan.from_ms = query.from_ms;
  scan.to_ms = query.to_ms;
  scan.types = {"span", "api_call"};
  for (ColumnId c : {ColumnId::ts,
                     ColumnId::type,
                     ColumnId::trace_id,
                     ColumnId::span_id,
                     ColumnId::parent_span_id,
                     ColumnId::start_ns,
                     ColumnId::duration,
                     ColumnId::name,
                     ColumnId::service,
                     ColumnId::kind,
                     ColumnId::span_status,
                     ColumnId::method,
                     ColumnId::request_route,
                     ColumnId::request_url,
                     ColumnId::status,
                     ColumnId::message,
                     ColumnId::attributes,
                     ColumnId::session_id,
                     ColumnId::page_view_id,
                     ColumnId::route,
                     ColumnId::url,
                     ColumnId::release,
                     ColumnId::device,
                     ColumnId::browser,
                     ColumnId::os,
                     ColumnId::country}) {
    scan.columns.set(static_cast<size_t>(c));
  }
  std::vector<Node> nodes;
  std::unordered_map<std::string, size_t> by_span_id;
  BrowserContext context;
  SL_RETURN_IF_ERROR(store.Scan(scan, [&](const ColumnBatch& batch) -> Status {
    const Column& trace = batch.col(ColumnId::trace_id);
    const int64_t id = DictId(trace, query.trace_id);
    if (id < 0) return Status::Ok();
    const Column& ts = batch.col(ColumnId::ts);
    const Column& type = batch.col(ColumnId::type);
    for (size_t row = 0; row < batch.rows; ++row) {
      if (trace.ids[row] != id || ts.ints[row] < query.from_ms || ts.ints[row] >= query.to_ms) {
        continue;
      }
      const bool call = type.str(row) == "api_call";
      if (!call && type.str(row) != "span") continue;
      std::string span_id(batch.col(ColumnId::span_id).str(row));
      if (span_id.empty() || by_span_id.count(span_id)) continue;  // an export sent twice
      Node n;
      n.span_id = span_id;
      n.duration_ms = batch.col(ColumnId::duration).doubles[row];
      if (IsNull(n.duration_ms)) n.duration_ms = 0;
      n.method = batch.col(ColumnId::method).str(row);
      n.url = batch.col(ColumnId::request_url).str(row);
      n.route = batch.col(ColumnId::request_route).str(row);
      n.status_code = batch.col(ColumnId::status).ints[row];
      n.service = batch.col(ColumnId::service).str(row);
      const int64_t start_ns = batch.col(ColumnId::start_ns).ints[row];
      n.parent_span_id = batch.col(ColumnId::parent_span_id).str(row);
      n.attributes = batch.col(ColumnId::attributes).str(row);
      if (call) {
        // The agent stamps a call when it ends (and the web SDK's calls know their start).
        n.start_ms = IsNull(start_ns) ? static_cast<double>(ts.ints[row]) - n.duration_ms
                                      : static_cast<double>(start_ns / 1000) / 1000.0;
        n.kind = "client";
        n.source = "browser";
        n.name = n.method + " " + (n.route.empty() ? n.url : n.route);
        if (n.service.empty()) n.service = "browser";
        const bool failed = IsNull(n.status_code) || n.status_code == 0 || n.status_code >= 400;
        n.status = failed ? "error" : "ok";
        context.session_id = batch.col(ColumnId::session_id).str(row);
        context.page_view_id = batch.col(ColumnId::page_view_id).str(row);
        context.route = batch.col(ColumnId::route).str(row);
        context.url = batch.col(ColumnId::url).str(row);
        context.release = batch.col(ColumnId::release).str(row);
        context.device = batch.col(ColumnId::device).str(row);
        context.browser = batch.col(ColumnId::browser).str(row);
        context.os = batch.col(ColumnId::os).str(row);
        context.country = batch.col(ColumnId::country).str(row);
      } else {
        n.start_ms = IsNull(start_ns) ? static_cast<double>(ts.ints[row])
                                      : static_cast<double>(start_ns / 1000) / 1000.0;
        n.name = batch.col(ColumnId::name).str(row);
        n.kind = batch.col(ColumnId::kind).str(row);
        n.status = batch.col(ColumnId::span_status).str(row);
        if (n.status.empty()) n.status = "unset";
        n.message = batch.col(ColumnId::message).str(row);
        // A browser's span: the web SDK's, or one a page sent (enrichment named its device).
        const bool web =
            n.attributes.find("\"telemetry.sdk.language\":\"webjs\"") != std::string::npos ||
            !batch.col(ColumnId::device).str(row).empty();
        n.source = web ? "browser" : "backend";
      }
      by_span_id.emplace(span_id, nodes.size());
      nodes.push_back(std::move(n));
    }
    return Status::Ok();
  }));
  if (nodes.empty()) {
    return Status::NotFound("no span or call of trace \"" + query.trace_id + "\" in the range");
  }

  // The tree: a node whose parent did not arrive is a root.
  std::vector<size_t> roots;
  std::vector<size_t> parent_of(nodes.size(), SIZE_MAX);
  for (size_t k = 0; k < nodes.size(); ++k) {
    auto parent = by_span_id.find(nodes[k].parent_span_id);
    if (nodes[k].parent_span_id.empty() || parent == by_span_id.end() || parent->second == k) {
      roots.push_back(k);
    } else {
      nodes[parent->second].children.push_back(k);
      parent_of[k] = parent->second;
    }
  }
  // Spans whose parents form a cycle (bad data) are not below any root: the first one not
  // reached becomes a root, which breaks its cycle, until every span is reached.
  std::vector<char> reached(nodes.size(), 0);
  auto reach = [&](size_t from) {
    std::vector<size_t> pending{from};
    reached[from] = 1;
    while (!pending.empty()) {
      const size_t k = pending.back();
      pending.pop_back();
      for (size_t child : nodes[k].children) {
        if (!reached[child]) {
          reached[child] = 1;
          pending.push_back(child);
        }
      }
    }
  };
  for (size_t root : roots) reach(root);
  for (size_t k = 0; k < nodes.size(); ++k) {
    if (reached[k]) continue;
    std::vector<size_t>& siblings = nodes[parent_of[k]].children;
    siblings.erase(std::remove(siblings.begin(), siblings.end(), k), siblings.end());
    roots.push_back(k);
    reach(k);
  }
  // Clock skew between machines. A server span cannot start before the client span that called
  // it, nor after that span ended: when it seems to, the clocks differ, and the server span moves
  // with its subtree to the middle of the client span (the two network legs taken as equal). A
  // start that precedes the browser's by less than the millisecond it stamps calls in is moved by
  // that much only. A server span that starts in time but ends after its client is left as it is:
  // servers end spans when the response is closed, which may be after the client has read it.
  std::vector<size_t> stack(roots.begin(), roots.end());
  while (!stack.empty()) {
    const size_t k = stack.back();
    stack.pop_back();
    const Node& parent = nodes[k];
    for (size_t child : parent.children) {
      Node& c = nodes[child];
      const double early = parent.start_ms - c.start_ms;
      const bool crosses = parent.kind == "client" && c.kind == "server";
      if (crosses && (early > 0 || c.start_ms > EndOf(parent))) {
        double by = 0;
        if (early > 0 && early <= kBrowserStampMs && parent.source == "browser") {
          by = early;
        } else if (c.duration_ms <= parent.duration_ms) {
          by = (parent.start_ms + EndOf(parent)) / 2 - (c.start_ms + EndOf(c)) / 2;
        } else {
          by = early;
        }
        Shift(nodes, child, by);
        c.clock_adjusted_ms = by;
      }
      stack.push_back(child);
    }
  }
  auto by_start = [&](size_t a, size_t b) {
    return nodes[a].start_ms != nodes[b].start_ms ? nodes[a].start_ms < nodes[b].start_ms
                                                  : nodes[a].span_id < nodes[b].span_id;
  };
  std::sort(roots.begin(), roots.end(), by_start);
  for (Node& n : nodes) std::sort(n.children.begin(), n.children.end(), by_start);
  std::vector<size_t> order;  // depth first
  stack.assign(roots.rbegin(), roots.rend());
  while (!stack.empty()) {
    const size_t k = stack.back();
    stack.pop_back();
    order.push_back(k);
    for (auto it = nodes[k].children.rbegin(); it != nodes[k].children.rend(); ++it) {
      nodes[*it].depth = nodes[k].depth + 1;
      stack.push_back(*it);
    }
  }
  double start = nodes[0].start_ms, end = EndOf(nodes[0]);
  std::vector<std::string> services;
  for (const Node& n : nodes) {
    start = std::min(start, n.start_ms);
    end = std::max(end, EndOf(n));
    if (std::find(services.begin(), services.end(), n.service) == services.end()) {
      services.push_back(n.service);
    }
  }

  JsonWriter w;
  w.BeginObject();
  w.Key("trace_id");
  w.String(query.trace_id);
  w.Key("start");
  w.Double(start);
  w.Key("duration_ms");
  w.Double(end - start);
  w.Key("span_count");
  w.Int(static_cast<int64_t>(nodes.size()));
  w.Key("services");
  w.BeginArray();
  for (const std::string& s : services) w.String(s);
  w.EndArray();
  WriteStringIf(w, "session_id", context.session_id);
  WriteStringIf(w, "page_view_id", context.page_view_id);
  if (!context.route.empty() || !context.url.empty()) {
    w.Key("page");
    w.BeginObject();
    WriteStringIf(w, "route", context.route);
    WriteStringIf(w, "url", context.url);
    WriteStringIf(w, "release", context.release);
    WriteStringIf(w, "device", context.device);
    WriteStringIf(w, "browser", context.browser);
    WriteStringIf(w, "os", context.os);
    WriteStringIf(w, "country", context.country);
    w.EndObject();
  }
  w.Key("spans");
  w.BeginArray();
  for (size_t k : order) {
    const Node& n = nodes[k];
    w.BeginObject();
    w.Key("span_id");
    w.String(n.span_id);
    w.Key("parent_span_id");
    w.String(n.parent_span_id);
    w.Key("name");
    w.String(n.name);
    w.Key("service");
    w.String(n.service);
    w.Key("kind");
    w.String(n.kind);
    w.Key("source");
    w.String(n.source);
    w.Key("start_ms");
    w.Double(n.start_ms - start);
    w.Key("duration_ms");
    w.Double(n.duration_ms);
    w.Key("depth");
    w.Int(n.depth);
    w.Key("status");
    w.String(n.status);
    WriteStringIf(w, "method", n.method);
    WriteStringIf(w, "route", n.route);
    WriteStringIf(w, "url", n.url);
    if (!IsNull(n.status_code)) {
      w.Key("status_code");
      w.Int(n.status_code);
    }
    WriteStringIf(w, "message", n.message);
    if (n.clock_adjusted_ms != 0) {
      w.Key("clock_adjusted_ms");
      w.Double(n.clock_adjusted_ms);
    }
    w.Key("attributes");
    w.Raw(n.attributes.empty() ? std::string_view("{}") : std::string_view(n.attributes));
    w.EndObject();
  }
  w.EndArray();
  // Where a client waited on a server: the time outside the server span.
  w.Key("gaps");
  w.BeginArray();
  for (size_t k : order) {
    const Node& parent = nodes[k];
    if (parent.kind != "client") continue;
    for (size_t child : parent.children) {
      const Node& c = nodes[child];
      if (c.kind != "server") continue;
      w.BeginObject();
      w.Key("parent_span_id");
      w.String(parent.span_id);
      w.Key("span_id");
      w.String(c.span_id);
      w.Key("before_ms");
      w.Double(c.start_ms - parent.start_ms);
      w.Key("after_ms");
      w.Double(EndOf(parent) - EndOf(c));
      w.Key("label");
      w.String("network and queueing");
      w.EndObject();
    }
  }
  w.EndArray();
  w.EndObject();
  return w.Take();
}

Status SummarizeTraces(Store& store, const std::string& project, int64_t from_ms, int64_t to_ms,
                       std::vector<TraceSummary>* traces) {
  if (traces->empty()) return Status::Ok();
  std::unordered_map<std::string, size_t> by_trace;
  for (size_t k = 0; k < traces->size(); ++k) by_trace.emplace((*traces)[k].trace_id, k);
  ScanSpec scan;
  scan.project = project;
  scan.from_ms = from_ms;
  scan.to_ms = to_ms;
  scan.types = {"span"};
  for (ColumnId c : {ColumnId::ts, ColumnId::type, ColumnId::trace_id, ColumnId::parent_span_id,
                     ColumnId::service, ColumnId::duration, ColumnId::span_status}) {
    scan.columns.set(static_cast<size_t>(c));
  }
  return store.Scan(scan, [&](const ColumnBatch& batch) -> Status {
    const Column& trace = batch.col(ColumnId::trace_id);
    // Which of the batch's trace ids are asked for, by dictionary id.
    std::vector<int64_t> wanted(trace.dict.size(), -1);
    bool any = false;
    for (size_t d = 1; d < trace.dict.size(); ++d) {
      auto it = by_trace.find(trace.dict[d]);
      if (it != by_trace.end()) {
        wanted[d] = static_cast<int64_t>(it->second);
        any = true;
      }
    }
    if (!any) return Status::Ok();
    const Column& ts = batch.col(ColumnId::ts);
    const Column& type = batch.col(ColumnId::type);
    for (size_t row = 0; row < batch.rows; ++row) {
      const int64_t k = wanted[trace.ids[row]];
      if (k < 0 || ts.ints[row] < from_ms || ts.ints[row] >= to_ms) continue;
      if (type.str(row) != "span") continue;
      TraceSummary& t = (*traces)[static_cast<size_t>(k)];
      ++t.spans;
      std::string_view service = batch.col(ColumnId::service).str(row);
      if (std::find(t.services.begin(), t.services.end(), service) == t.services.end()) {
        t.services.emplace_back(service);
      }
      if (batch.col(ColumnId::span_status).str(row) == "error") t.error = true;
      if (!t.browser_span_id.empty() &&
          batch.col(ColumnId::parent_span_id).str(row) == t.browser_span_id) {
        t.backend_ms = std::max(t.backend_ms, batch.col(ColumnId::duration).doubles[row]);
      }
    }
    return Status::Ok();
  });
}

}  // namespace sightline
