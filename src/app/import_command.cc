#include "app/import_command.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <map>
#include <memory>

#include "common/config.h"
#include "common/dir_lock.h"
#include "common/logger.h"
#include "common/metrics.h"
#include "enrich/enricher.h"
#include "enrich/scrubber.h"
#include "ingest/stored_row_parser.h"
#include "store/embedded_store.h"

namespace sightline {
namespace {

constexpr const char* kUsage =
    "usage: sightline import --config FILE [--data DIR] [--project P] [--segment-rows N]\n"
    "                        [--wait SECONDS] [FILE ...]\n"
    "Reads stored events, one JSON object per line (ClickHouse's JSONEachRow): the keys are\n"
    "column names (docs/storage-format.md), plus \"project\" unless --project gives it. ts and\n"
    "type are required. Text is scrubbed of personal data as at ingest. Reads standard input\n"
    "without FILE. Rows that do not fit are reported and skipped; the others are imported.\n"
    "One process writes a data directory at a time: while `serve` (or another import) uses it,\n"
    "import waits up to --wait seconds (default 0) for it to stop, then fails naming it.\n";

constexpr size_t kChunkBytes = 64 << 20;
constexpr size_t kMaxReportedErrors = 10;
// Rows of a day after which the earlier days of its project are taken as complete.
constexpr size_t kSettledRows = 50000;

bool ValidProjectId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

}  // namespace

int RunImport(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string config_path, data_dir, default_project;
  size_t segment_rows = 1 << 20;
  int64_t wait_s = 0;
  std::vector<std::string> files;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string* into) {
      if (i + 1 >= args.size()) return false;
      *into = args[++i];
      return true;
    };
    std::string rows_text;
    if (a == "--help" || a == "-h") {
      out << kUsage;
      return 0;
    } else if (a == "--config") {
      if (!value(&config_path)) break;
    } else if (a == "--data") {
      if (!value(&data_dir)) break;
    } else if (a == "--project") {
      if (!value(&default_project)) break;
    } else if (a == "--segment-rows") {
      if (!value(&rows_text)) break;
      segment_rows = std::strtoull(rows_text.c_str(), nullptr, 10);
      if (segment_rows < 1000 || segment_rows > (1u << 24)) {
        err << "sightline import: --segment-rows must be in [1000, 16777216]\n";
        return 2;
      }
    } else if (a == "--wait") {
      std::string wait_text;
      if (!value(&wait_text)) break;
      char* end = nullptr;
      wait_s = std::strtoll(wait_text.c_str(), &end, 10);
      if (wait_text.empty() || *end != '\0' || wait_s < 0 || wait_s > 86400) {
        err << "sightline import: --wait must be whole seconds in [0, 86400]\n";
        return 2;
      }
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      err << "sightline import: unexpected \"" << a << "\"\n" << kUsage;
      return 2;
    } else {
      files.push_back(a);
    }
  }
  if (config_path.empty()) {
    err << "sightline import: --config is required\n" << kUsage;
    return 2;
  }
  Result<Config> config = LoadConfigFile(config_path);
  if (!config.ok()) {
    err << "sightline import: " << config.status().ToString() << "\n";
    return 2;
  }
  if (!data_dir.empty()) config->storage.data_dir = data_dir;
  if (files.empty()) files.push_back("-");

  Result<std::unique_ptr<DirLock>> lock =
      DirLock::Acquire(config->storage.data_dir, "import", wait_s * 1000);
  if (!lock.ok()) {
    err << "sightline import: " << lock.status().message()
        << " (stop it, or pass --wait SECONDS to wait for it)\n";
    return 1;
  }
  Logger logger(Env::Default(), stderr, LogLevel::kWarn);
  MetricsRegistry metrics;
  EmbeddedStoreOptions options;
  options.dir = JoinPath(config->storage.data_dir, config->storage.region);
  options.compact_interval_s = 0;  // it writes day-long segments; `serve` compacts what ages
  Result<std::unique_ptr<EmbeddedStore>> store =
      EmbeddedStore::Open(Env::Default(), &logger, &metrics, options);
  if (!store.ok()) {
    err << "sightline import: " << store.status().ToString() << "\n";
    return 1;
  }
  PiiScrubber scrubber(config->privacy.secret_params);
  auto known_project = [&](std::string_view id) {
    if (config->projects.empty()) return ValidProjectId(id);
    for (const ProjectConfig& p : config->projects) {
      if (p.id == id) return true;
    }
    return false;
  };

  const auto started = std::chrono::steady_clock::now();
  std::map<std::pair<std::string, int64_t>, ColumnBatchBuilder> builders;
  uint64_t imported = 0, rejected = 0, line = 0, segments = 0;
  Status store_status;
  // A full batch is written (segment and rollup) on another thread while parsing goes on; at
  // most one write is in flight, so at most two batches are in memory.
  std::future<Status> in_flight;
  uint64_t in_flight_rows = 0;
  auto finish_write = [&] {
    if (!in_flight.valid()) return;
    Status status = in_flight.get();
    if (status.ok()) {
      imported += in_flight_rows;
      ++segments;
    } else if (store_status.ok()) {
      store_status = status;
    }
  };
  auto write = [&](const std::string& project, ColumnBatchBuilder& builder) {
    finish_write();
    if (builder.rows() == 0 || !store_status.ok()) return;
    in_flight_rows = builder.rows();
    auto batch = std::make_shared<ColumnBatch>(builder.Finish());
    builder = ColumnBatchBuilder();  // frees the columns' capacity: the next day may never come
    in_flight = std::async(std::launch::async,
                           [&store, project, batch] { return (*store)->Import(project, *batch); });
  };
  auto reject = [&](const std::string& file, const std::string& why) {
    if (rejected++ < kMaxReportedErrors) err << file << ": line " << line << ": " << why << "\n";
  };

  StoredRow row;
  StoredRowParser row_parser;
  PiiCounts pii{};
  ColumnSet free_text;
  for (size_t col = 0; col < kNumColumns; ++col) {
    free_text.set(col, IsFreeTextColumn(static_cast<ColumnId>(col)));
  }
  for (const std::string& file : files) {
    FILE* in = file == "-" ? stdin : std::fopen(file.c_str(), "rb");
    if (in == nullptr) {
      err << "sightline import: cannot open " << file << "\n";
      return 1;
    }
    std::string pending;
    std::vector<char> buffer(kChunkBytes);
    bool eof = false;
    while (!eof && store_status.ok()) {
      size_t n = std::fread(buffer.data(), 1, buffer.size(), in);
      eof = n < buffer.size();
      pending.append(buffer.data(), n);
      size_t end = eof ? pending.size() : pending.rfind('\n');
      if (end == std::string::npos) continue;
      // simdjson reads up to SIMDJSON_PADDING bytes past a document: the lines after it, or this.
      const size_t data_size = pending.size();
      pending.append(simdjson::SIMDJSON_PADDING, ' ');
      // Line by line, so that one malformed line is reported alone.
      size_t start = 0;
      while (start < end && store_status.ok()) {
        size_t nl = pending.find('\n', start);
        if (nl == std::string::npos || nl > end) nl = end;
        std::string_view text(pending.data() + start, nl - start);
        start = nl + 1;
        ++line;
        if (text.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        const size_t allocated = pending.size() - static_cast<size_t>(text.data() - pending.data());
        std::string problem = row_parser.Parse(text.data(), text.size(), allocated, &row);
        if (row.project.empty()) row.project = default_project;
        if (problem.empty() && !known_project(row.project)) {
          problem = row.project.empty() ? "field project: required (or --project)"
                                        : "field project: unknown project \"" + row.project + "\"";
        }
        if (!problem.empty()) {
          reject(file, problem);
          continue;
        }
        const int64_t ts = row.ints[static_cast<size_t>(ColumnId::ts)];
        const int64_t day = ts / 86400000 - (ts % 86400000 < 0 ? 1 : 0);
        auto [it, added] = builders.try_emplace({row.project, day});
        if (it->second.rows() == kSettledRows) {
          // Input in time order has finished the project's earlier days once a later one holds
          // this many rows: write those big enough for a segment of their own now, while
          // parsing goes on.
          for (auto& [key, earlier] : builders) {
            if (key.first == row.project && key.second < day && earlier.rows() >= kRowGroupRows) {
              write(key.first, earlier);
            }
          }
        }
        ColumnBatchBuilder& builder = it->second;
        for (size_t col = 0; col < kNumColumns; ++col) {
          if (!row.present.test(col)) continue;
          switch (kColumns[col].kind) {
            case ColumnKind::kInt64:
              builder.PutInt(col, row.ints[col]);
              break;
            case ColumnKind::kDouble:
              builder.PutDouble(col, row.doubles[col]);
              break;
            case ColumnKind::kString:
              if (free_text.test(col)) scrubber.Scrub(&row.strings[col], &pii);
              builder.PutString(col, row.strings[col]);
              break;
          }
        }
        builder.EndRow();
        if (builder.rows() >= segment_rows) write(row.project, builder);
      }
      pending.resize(data_size);
      pending.erase(0, std::min(pending.size(), end + 1));
    }
    if (in != stdin) std::fclose(in);
  }
  for (auto& [key, builder] : builders) write(key.first, builder);
  finish_write();
  Status closed = (*store)->Close();
  if (store_status.ok()) store_status = closed;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  uint64_t bytes = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(options.dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) bytes += it->file_size(ec);
  }
  if (!store_status.ok()) err << "sightline import: " << store_status.ToString() << "\n";
  char summary[256];
  std::snprintf(summary, sizeof summary,
                "imported %llu rows, rejected %llu, %llu segments, %.2f s, %.0f rows/s, "
                "%llu bytes on disk\n",
                static_cast<unsigned long long>(imported),
                static_cast<unsigned long long>(rejected),
                static_cast<unsigned long long>(segments), seconds,
                seconds > 0 ? static_cast<double>(imported) / seconds : 0.0,
                static_cast<unsigned long long>(bytes));
  out << summary;
  return store_status.ok() && rejected == 0 ? 0 : 1;
}

}  // namespace sightline
