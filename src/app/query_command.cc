#include "app/query_command.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <iomanip>
#include <sstream>

#include "app/cli_http.h"
#include "app/loadgen_client.h"

namespace sightline {
namespace {

// The queries, named as their endpoints under /api/v1/ (docs/query-api.md).
constexpr std::string_view kKinds[] = {
    "metrics",    "timeseries", "distribution", "coverage", "sessions", "sessions/summary",
    "conversion", "funnel",     "compare",      "crux",     "events",   "interactions",
    "forms",      "paths",      "api_calls",    "agent"};

constexpr std::string_view kUsage =
    "usage: sightline query KIND --server URL --token T --project P [--json] [key=value ...]\n"
    "       sightline query session ID --server URL --token T --project P [--json]\n"
    "  KIND: metrics timeseries distribution coverage sessions sessions/summary conversion\n"
    "        funnel compare crux events interactions forms paths api_calls agent\n"
    "  key=value pairs are the query API's parameters (docs/query-api.md), e.g.\n"
    "  sightline query metrics --server http://127.0.0.1:8080 --token demo-read-token \\\n"
    "      --project demo name=LCP stats=p75,count group_by=release\n";

std::string Cell(simdjson::dom::element v) {
  if (v.is_null()) return "-";
  std::string_view s;
  if (v.get(s) == simdjson::SUCCESS) return std::string(s);
  double d;
  if (v.get(d) == simdjson::SUCCESS) {
    std::ostringstream o;
    if (d == std::floor(d) && std::fabs(d) < 1e15) {
      o << static_cast<int64_t>(d);
    } else {
      o << std::setprecision(std::fabs(d) < 1 ? 4 : 6) << d;
    }
    return o.str();
  }
  bool b;
  if (v.get(b) == simdjson::SUCCESS) return b ? "yes" : "no";
  return std::string(simdjson::minify(v));
}

// Prints rows of cells as aligned columns under `header`.
void PrintTable(std::ostream& out, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size() && c < width.size(); ++c) {
      width[c] = std::max(width[c], row[c].size());
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    for (size_t c = 0; c < cells.size(); ++c) {
      out << (c ? "  " : "") << std::left << std::setw(static_cast<int>(width[c])) << cells[c];
    }
    out << "\n";
  };
  line(header);
  for (const auto& row : rows) line(row);
}

// An object's members as (key, cell) pairs, in order.
std::vector<std::pair<std::string, std::string>> Members(simdjson::dom::object o,
                                                         std::string_view skip = "") {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto [key, value] : o) {
    if (key == skip) continue;
    int64_t t;
    if (key == "t" && value.get(t) == simdjson::SUCCESS) {  // a bucket's start: UTC time
      std::time_t seconds = static_cast<std::time_t>(t / 1000);
      std::tm utc{};
      gmtime_r(&seconds, &utc);
      char text[32];
      std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
      out.emplace_back("t", text);
    } else {
      out.emplace_back(std::string(key), Cell(value));
    }
  }
  return out;
}

// A table of objects: the header from the first, one row each.
void PrintObjects(std::ostream& out, simdjson::dom::array items,
                  const std::vector<std::pair<std::string, std::string>>& prefix = {}) {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  for (simdjson::dom::element item : items) {
    simdjson::dom::object o;
    if (item.get(o)) continue;
    std::vector<std::pair<std::string, std::string>> cells = prefix;
    simdjson::dom::object group;
    if (o["group"].get(group) == simdjson::SUCCESS) {
      for (auto& m : Members(group)) cells.push_back(std::move(m));
      for (auto& m : Members(o, "group")) cells.push_back(std::move(m));
    } else {
      for (auto& m : Members(o)) cells.push_back(std::move(m));
    }
    if (header.empty()) {
      for (const auto& [k, v] : cells) header.push_back(k);
    }
    std::vector<std::string> row;
    for (const auto& [k, v] : cells) row.push_back(v);
    rows.push_back(std::move(row));
  }
  if (header.empty()) {
    out << "(no rows)\n";
    return;
  }
  PrintTable(out, header, rows);
}

void PrintAnswer(std::ostream& out, std::string_view kind, simdjson::dom::object answer) {
  simdjson::dom::array items;
  if (kind == "timeseries" && answer["series"].get(items) == simdjson::SUCCESS) {
    for (simdjson::dom::element series : items) {
      simdjson::dom::array points;
      if (series["points"].get(points)) continue;
      out << "segment: " << Cell(series["segment"].value_unsafe()) << "\n";
      PrintObjects(out, points);
    }
    return;
  }
  if (kind == "funnel" && answer["rows"].get(items) == simdjson::SUCCESS) {
    for (simdjson::dom::element row : items) {
      simdjson::dom::object group;
      simdjson::dom::array steps;
      if (row["group"].get(group) || row["steps"].get(steps)) continue;
      std::string label;
      for (auto& [k, v] : Members(group)) label += (label.empty() ? "" : ", ") + k + " " + v;
      if (!label.empty()) out << label << "\n";
      PrintObjects(out, steps);
    }
    return;
  }
  if (kind == "session") {
    simdjson::dom::object context;
    if (answer["context"].get(context) == simdjson::SUCCESS) {
      for (auto& [k, v] : Members(context)) out << k << " " << v << "\n";
    }
    if (answer["events"].get(items) == simdjson::SUCCESS) {
      for (simdjson::dom::element e : items) out << simdjson::minify(e) << "\n";
    }
    return;
  }
  // One line of the answer's scalar members (counts, totals), then its first list as a table.
  std::string summary;
  for (auto [key, value] : answer) {
    if (key == "from" || key == "to" || key == "exact" || value.is_array() || value.is_object()) {
      continue;
    }
    summary += (summary.empty() ? "" : ", ") + std::string(key) + " " + Cell(value);
  }
  if (!summary.empty()) out << summary << "\n";
  for (std::string_view list :
       {"rows", "sessions", "buckets", "bins", "routes", "paths", "vitals"}) {
    if (answer[list].get(items) == simdjson::SUCCESS) {
      PrintObjects(out, items);
      simdjson::dom::array pages;
      if (list == "paths" && answer["pages"].get(pages) == simdjson::SUCCESS)
        PrintObjects(out, pages);
      return;
    }
  }
}

}  // namespace

int RunQuery(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    (args.empty() ? err : out) << kUsage;
    return args.empty() ? 2 : 0;
  }
  std::string kind = args[0];
  size_t first_option = 1;
  std::string endpoint = kind;
  if (kind == "session") {  // one session's timeline: session ID
    if (args.size() < 2 || args[1].empty() || args[1][0] == '-') {
      err << "sightline query session: the session id is required\n" << kUsage;
      return 2;
    }
    endpoint = "sessions/" + UrlEncode(args[1]);
    first_option = 2;
  } else if (std::find(std::begin(kKinds), std::end(kKinds), kind) == std::end(kKinds)) {
    err << "sightline query: unknown query \"" << kind << "\"\n" << kUsage;
    return 2;
  }
  std::string server, token, project;
  bool json = false;
  std::string query;
  for (size_t i = first_option; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string* into) {
      if (i + 1 >= args.size()) return false;
      *into = args[++i];
      return true;
    };
    if (a == "--server") {
      if (!value(&server)) break;
    } else if (a == "--token") {
      if (!value(&token)) break;
    } else if (a == "--project") {
      if (!value(&project)) break;
    } else if (a == "--json") {
      json = true;
    } else if (size_t eq = a.find('='); eq != std::string::npos && eq > 0 && a[0] != '-') {
      query += "&" + UrlEncode(a.substr(0, eq)) + "=" + UrlEncode(a.substr(eq + 1));
    } else {
      err << "sightline query: unexpected \"" << a << "\"\n" << kUsage;
      return 2;
    }
  }
  if (server.empty() || token.empty() || project.empty()) {
    err << "sightline query: --server, --token and --project are required\n" << kUsage;
    return 2;
  }
  Result<Target> target = ParseTarget(server);
  if (!target.ok()) {
    err << "sightline query: --server: " << target.status().message() << "\n";
    return 2;
  }
  target->path = "/api/v1/" + endpoint + "?project=" + UrlEncode(project) + query;
  Result<std::pair<unsigned, std::string>> answer = SendRequest(*target, "GET", token);
  if (!answer.ok()) {
    err << "sightline query: cannot query " << answer.status().message() << "\n";
    return 1;
  }
  const auto& [status, body] = *answer;
  simdjson::dom::parser parser;
  simdjson::dom::object parsed;
  const bool is_json = parser.parse(body).get(parsed) == simdjson::SUCCESS;
  if (status != 200) {
    std::string_view reason, field;
    if (is_json) {
      if (parsed["reason"].get(reason) != simdjson::SUCCESS) reason = {};
      if (parsed["field"].get(field) != simdjson::SUCCESS) field = {};
    }
    err << "sightline query: HTTP " << status;
    if (!field.empty()) err << " (" << field << ")";
    err << ": " << (reason.empty() ? std::string_view(body) : reason) << "\n";
    return 1;
  }
  if (json || !is_json) {
    out << body << "\n";
    return 0;
  }
  PrintAnswer(out, kind, parsed);
  return 0;
}

}  // namespace sightline
