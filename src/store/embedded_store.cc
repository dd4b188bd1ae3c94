#include "store/embedded_store.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <future>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "store/event_codec.h"
#include "store/rollup.h"

namespace sightline {
namespace {

constexpr size_t kScanBatchRows = 8192;
constexpr int64_t kMillisPerDay = 86400 * 1000;
// Rows per segment file at most (a power of two, like the scan batches); see FlushLocked.
constexpr size_t kMaxSegmentRows = 1 << 16;
constexpr std::string_view kManifestName = "MANIFEST";
constexpr std::string_view kWalDirName = "wal";
constexpr int64_t kMillisPerMinute = 60 * 1000;
constexpr int64_t kMillisPerHour = 60 * kMillisPerMinute;
// A segment gets rollup cells per minute when its data is at most this old when written and
// spans at most kMinuteCellsSpan (a live flush); otherwise per hour (late or imported data).
constexpr int64_t kMinuteCellsFor = 2 * kMillisPerDay;
constexpr int64_t kMinuteCellsSpan = 3 * kMillisPerHour;
// Rollups of data older than this have cells per day.
constexpr int64_t kHourCellsFor = 30 * kMillisPerDay;
// Compaction merges a day's segments into segments of at most this many rows (the import's
// default), reading them all into memory: this bounds its memory.
constexpr uint64_t kCompactedSegmentRows = uint64_t{1} << 20;
// A partition still current (or not aged yet) has its small segments merged in tiers: segments
// of one size class (rows in [4^c, 4^(c+1))) are merged kLiveMergeWidth or more at a time into
// segments of at most kLiveSegmentRows rows spanning at most kMinuteCellsSpan, so that they
// keep rollup cells per minute. Each row is rewritten about log4(kLiveSegmentRows / rows per
// flush) times, and a partition holds at most kLiveMergeWidth - 1 segments per class besides
// the full ones: queries and per-segment memory do not grow with the number of flushes.
constexpr uint64_t kLiveSegmentRows = uint64_t{1} << 18;
constexpr size_t kLiveMergeWidth = 4;

int64_t FloorTo(int64_t t, int64_t step) { return t - ((t % step) + step) % step; }

std::string SegmentFileName(const std::string& project, const std::string& day, uint64_t id) {
  char name[32];
  std::snprintf(name, sizeof(name), "%010llu.seg", static_cast<unsigned long long>(id));
  return project + "/" + day + "/" + name;
}

}  // namespace

std::string UtcDay(int64_t ts_ms) {
  std::time_t secs = static_cast<std::time_t>(ts_ms / 1000 - (ts_ms % 1000 < 0 ? 1 : 0));
  std::tm tm;
  gmtime_r(&secs, &tm);
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  return buf;
}

EmbeddedStore::EmbeddedStore(Env* env, Logger* logger, MetricsRegistry* metrics,
                             EmbeddedStoreOptions options)
    : env_(env),
      logger_(logger),
      options_(std::move(options)),
      fsync_seconds_(metrics->AddHistogram("sightline_wal_fsync_seconds",
                                           "Latency of WAL fdatasync calls",
                                           LatencyBucketsSeconds())),
      flush_seconds_(metrics->AddHistogram("sightline_memtable_flush_seconds",
                                           "Time to write the memtable out as segments",
                                           LatencyBucketsSeconds())),
      flushed_events_(metrics->AddCounter("sightline_flushed_events_total",
                                          "Events written from the memtable to segments")),
      compacted_segments_(metrics->AddCounter("sightline_compacted_segments_total",
                                              "Segment files merged into others by compaction")),
      wal_sync_failures_(metrics->AddCounter(
          "sightline_wal_sync_failures_total",
          "WAL fdatasync calls that failed (each moves appends to a new file and flushes)")),
      files_(env, options_.max_open_files),
      active_(std::make_unique<Memtable>()) {
  metrics->AddGaugeCallback("sightline_memtable_bytes", "Bytes held in the memtable",
                            [this] { return static_cast<double>(Stats().memtable_bytes); });
  metrics->AddGaugeCallback("sightline_segments", "Live segment files",
                            [this] { return static_cast<double>(Stats().segments); });
  metrics->AddGaugeCallback("sightline_wal_skipped_bytes",
                            "Bytes of torn or corrupt WAL records skipped at start-up",
                            [this] { return static_cast<double>(wal_skipped_bytes_); });
  metrics->AddGaugeCallback("sightline_wal_skipped_regions",
                            "Runs of torn or corrupt WAL records skipped at start-up",
                            [this] { return static_cast<double>(wal_skipped_regions_); });
  metrics->AddGaugeCallback(
      "sightline_wal_files_replaced", "WAL files given up after a failed write or fdatasync",
      [this] { return static_cast<double>(wal_ ? wal_->replaced_files() : 0); });
  metrics->AddGaugeCallback("sightline_open_segment_files",
                            "Segment and rollup files open (at most storage.max_open_files)",
                            [this] { return static_cast<double>(files_.open_files()); });
  metrics->AddGaugeCallback(
      "sightline_manifest_recovered",
      "1 when the manifest was damaged at start-up and recovered (from its copy, or rebuilt from "
      "the segment files: see the log)",
      [this] { return manifest_source_ == ManifestSource::kManifest ? 0.0 : 1.0; });
  metrics->AddGaugeCallback("sightline_segments_corrupt",
                            "Segment files left out because their checksum failed",
                            [this] { return static_cast<double>(Stats().corrupt_segments); });
}

Result<std::unique_ptr<EmbeddedStore>> EmbeddedStore::Open(Env* env, Logger* logger,
                                                           MetricsRegistry* metrics,
                                                           EmbeddedStoreOptions options) {
  std::unique_ptr<EmbeddedStore> store(new EmbeddedStore(env, logger, metrics, std::move(options)));
  SL_RETURN_IF_ERROR(store->Recover());
  store->active_since_ms_ = env->NowMillis();
  store->syncer_ = std::thread([s = store.get()] { s->SyncLoop(); });
  store->flusher_ = std::thread([s = store.get()] { s->FlushLoop(); });
  return store;
}

EmbeddedStore::~EmbeddedStore() {
  Status s = Close();
  if (!s.ok()) logger_->Error("closing the store failed", {{"error", s.ToString()}});
}

Status EmbeddedStore::Recover() {
  const std::string& dir = options_.dir;
  const std::string wal_dir = JoinPath(dir, kWalDirName);
  SL_RETURN_IF_ERROR(env_->CreateDirs(wal_dir));

  Result<LoadedManifest> loaded = LoadManifest(env_, logger_, dir, wal_dir);
  if (!loaded.ok()) return loaded.status();
  manifest_ = std::move(loaded->manifest);
  manifest_source_ = loaded->source;

  for (const SegmentRecord& record : manifest_.segments) {
    if (record.corrupt) {
      logger_->Warn("segment was found corrupt earlier; it is left out of queries and kept on disk",
                    {{"segment", record.file}});
      corrupt_segments_.push_back(record);
      continue;
    }
    std::string path = JoinPath(dir, record.file);
    // Only the footer is read (and checked) here: every block is checked when a query first
    // reads it, so start-up costs a read per file, not a read of the whole store.
    Result<std::unique_ptr<SegmentReader>> reader = SegmentReader::Open(env_, path, &files_);
    Status status = reader.status();
    if (!status.ok()) {
      logger_->Error("segment is corrupt; it is left out of queries and kept on disk",
                     {{"segment", record.file}, {"error", status.ToString()}});
      corrupt_segments_.push_back(record);
      continue;
    }
    LiveSegment live{record, std::move(reader).value(), nullptr};
    live.rollup = OpenRollup(path, *live.reader);
    segments_.push_back(std::move(live));
  }
  SL_RETURN_IF_ERROR(RemoveOrphanSegments(manifest_));

  // Replay every WAL file from wal_start on, in order.
  Result<std::vector<std::string>> names = env_->ListDir(wal_dir);
  if (!names.ok()) return names.status();
  std::vector<uint64_t> seqs;
  for (const std::string& name : *names) {
    uint64_t seq;
    if (!Wal::ParseFileName(name, &seq)) continue;
    if (seq < manifest_.wal_start) {
      SL_RETURN_IF_ERROR(env_->RemoveFile(JoinPath(wal_dir, name)));
      continue;
    }
    seqs.push_back(seq);
  }
  std::sort(seqs.begin(), seqs.end());
  uint64_t max_seq = manifest_.wal_start;
  EventBatch decoded;
  for (uint64_t seq : seqs) {
    std::string path = JoinPath(wal_dir, Wal::FileName(seq));
    Result<WalReplayResult> replay = ReplayWalFile(env_, path, [&](std::string_view payload) {
      // Decoded in full once here, so that a record this build cannot read fails recovery loudly
      // instead of every later flush and scan.
      if (!DecodeEventBatch(payload, &decoded).ok()) {
        return Status::Corruption(path + ": a record with a valid checksum does not decode");
      }
      active_->Add(payload);
      return Status::Ok();
    });
    if (!replay.ok()) return replay.status();
    recovered_records_ += replay->records;
    // The file is never appended to again (appends go to a new file below), so bad bytes stay
    // where they are and are skipped again until a flush makes the file unneeded.
    if (replay->skipped_bytes > 0) {
      wal_skipped_bytes_ += replay->skipped_bytes;
      wal_skipped_regions_ += replay->skipped_regions + (replay->torn_tail ? 1 : 0);
      logger_->Warn(replay->torn_tail && replay->skipped_regions == 0
                        ? "WAL ends in an incomplete record (a crash mid-write); it is skipped"
                        : "WAL holds torn or corrupt records; they are skipped and the intact "
                          "records after them are replayed",
                    {{"file", Wal::FileName(seq)},
                     {"skipped_regions",
                      std::to_string(replay->skipped_regions + (replay->torn_tail ? 1 : 0))},
                     {"skipped_bytes", std::to_string(replay->skipped_bytes)},
                     {"records", std::to_string(replay->records)}});
    }
    max_seq = std::max(max_seq, seq + 1);
  }
  if (recovered_records_ > 0) {
    logger_->Info("recovered from the WAL", {{"records", std::to_string(recovered_records_)}});
  }
  // New appends go to a fresh file; the replayed ones stay until the next flush covers them.
  Result<std::unique_ptr<Wal>> wal = Wal::Open(env_, wal_dir, max_seq);
  if (!wal.ok()) return wal.status();
  wal_ = std::move(wal).value();
  return Status::Ok();
}

Status EmbeddedStore::RemoveOrphanSegments(const Manifest& manifest) {
  std::set<std::string> listed;
  for (const SegmentRecord& s : manifest.segments) listed.insert(s.file);
  Result<std::vector<std::string>> projects = env_->ListDir(options_.dir);
  if (!projects.ok()) return projects.status();
  for (const std::string& project : *projects) {
    if (project == kWalDirName || project.rfind(kManifestName, 0) == 0) continue;
    Result<std::vector<std::string>> days = env_->ListDir(JoinPath(options_.dir, project));
    if (!days.ok()) continue;  // not a directory
    for (const std::string& day : *days) {
      Result<std::vector<std::string>> files =
          env_->ListDir(JoinPath(options_.dir, project + "/" + day));
      if (!files.ok()) continue;
      for (const std::string& file : *files) {
        std::string rel = project + "/" + day + "/" + file;
        // A rollup belongs to its segment; temporaries of an interrupted write are never live.
        std::string owner;
        if (file.ends_with(".seg")) {
          owner = rel;
        } else if (file.ends_with(".rollup")) {
          owner = rel.substr(0, rel.size() - std::string_view(".rollup").size()) + ".seg";
        } else if (!file.ends_with(".seg.tmp") && !file.ends_with(".rollup.tmp")) {
          continue;  // not ours to delete
        }
        if (!owner.empty() && listed.count(owner)) continue;
        logger_->Info("removing a segment file no manifest lists (left by an interrupted flush)",
                      {{"segment", rel}});
        SL_RETURN_IF_ERROR(env_->RemoveFile(JoinPath(options_.dir, rel)));
      }
    }
  }
  return Status::Ok();
}

namespace {

// The embedded store's group: WAL records framed and ready for one write.
class WalGroup final : public AppendGroup {
 public:
  void Add(const EventBatch& batch) override {
    const size_t header_at = framed_.size();
    framed_.append(Wal::kFrameHeaderBytes, '\0');
    EncodeEventBatch(batch, &framed_);
    Wal::FrameInPlace(&framed_, header_at);
    const size_t offset = header_at + Wal::kFrameHeaderBytes;
    payloads_.emplace_back(offset, framed_.size() - offset);
  }
  bool empty() const override { return payloads_.empty(); }

  std::string framed_;                               // the records, as the WAL stores them
  std::vector<std::pair<size_t, size_t>> payloads_;  // each record's payload: offset, size
};

}  // namespace

std::unique_ptr<AppendGroup> EmbeddedStore::NewAppendGroup() {
  return std::make_unique<WalGroup>();
}

Status EmbeddedStore::Append(const EventBatch& batch) {
  WalGroup group;
  group.Add(batch);
  return Commit(group);
}

Status EmbeddedStore::Commit(AppendGroup& base_group) {
  auto& group = static_cast<WalGroup&>(base_group);  // groups come from NewAppendGroup
  if (group.empty()) return Status::Ok();
  bool flush_due;
  Status written;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const uint64_t held = active_->bytes() + (flushing_ ? flushing_->bytes() : 0);
    written = held > options_.max_memtable_bytes
                  ? Status::ResourceExhausted(
                        "the memtable holds " + std::to_string(held) +
                        " bytes, over storage.memtable_max_bytes, because flushes fail (" +
                        flush_error_ + ")")
                  : wal_->AppendFramed(group.framed_);
    if (written.ok()) {
      if (active_->empty()) active_since_ms_ = env_->NowMillis();
      for (const auto& [offset, size] : group.payloads_) {
        active_->Add(std::string_view(group.framed_).substr(offset, size));
      }
    }
    flush_due = active_->bytes() >= options_.flush_bytes;
  }
  group.framed_.clear();
  group.payloads_.clear();
  SL_RETURN_IF_ERROR(written);
  if (flush_due) {
    // Only the commit that finds no flush requested yet wakes the flusher.
    std::unique_lock<std::mutex> lock(wake_mu_);
    if (!flush_requested_) {
      flush_requested_ = true;
      lock.unlock();
      flush_wake_.notify_one();
    }
  }
  return Status::Ok();
}

void EmbeddedStore::TakeSnapshot(const std::string& project, int64_t from_ms, int64_t to_ms,
                                 std::vector<LiveSegment>* segments, Memtable::Snapshot* flushing,
                                 Memtable::Snapshot* active) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const LiveSegment& s : segments_) {
    if (s.record.project == project && s.record.max_ts >= from_ms && s.record.min_ts < to_ms) {
      segments->push_back(s);
    }
  }
  if (flushing_) *flushing = flushing_->Take();
  *active = active_->Take();
}

Status EmbeddedStore::Scan(const ScanSpec& spec, const BatchVisitor& visit) {
  std::vector<LiveSegment> segments;
  Memtable::Snapshot flushing, active;
  TakeSnapshot(spec.project, spec.from_ms, spec.to_ms, &segments, &flushing, &active);
  ColumnSet columns = spec.columns;
  columns.set(static_cast<size_t>(ColumnId::ts));
  const RowGroupFilter groups{spec.types, spec.names, spec.named_types};
  // The next segment is read and decoded on another thread while the visitor takes this one.
  auto read = [&](size_t i) {
    return std::async(std::launch::async,
                      [&, i] { return segments[i].reader->ReadRows(columns, groups); });
  };
  std::future<Result<ColumnBatch>> next;
  if (!segments.empty()) next = read(0);
  for (size_t i = 0; i < segments.size(); ++i) {
    Result<ColumnBatch> batch = next.get();
    if (!batch.ok()) return LeftOut(segments[i].record, batch.status());
    if (spec.control != nullptr) SL_RETURN_IF_ERROR(spec.control->Check());
    if (i + 1 < segments.size()) next = read(i + 1);
    SL_RETURN_IF_ERROR(visit(*batch));
  }
  return ScanMemtables(spec, flushing, active, visit);
}

Status EmbeddedStore::ScanParallel(const ScanSpec& spec, size_t workers,
                                   const ParallelBatchVisitor& visit) {
  std::vector<LiveSegment> segments;
  Memtable::Snapshot flushing, active;
  TakeSnapshot(spec.project, spec.from_ms, spec.to_ms, &segments, &flushing, &active);
  ColumnSet columns = spec.columns;
  columns.set(static_cast<size_t>(ColumnId::ts));
  const RowGroupFilter groups{spec.types, spec.names, spec.named_types};
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::vector<Status> statuses(std::clamp<size_t>(std::min(workers, segments.size()), 1, 64));
  auto work = [&](size_t worker) {
    for (size_t i = next++; i < segments.size() && !failed; i = next++) {
      Status status = spec.control != nullptr ? spec.control->Check() : Status::Ok();
      Result<ColumnBatch> batch =
          status.ok() ? segments[i].reader->ReadRows(columns, groups) : Result<ColumnBatch>(status);
      status = batch.ok() ? visit(worker, *batch) : LeftOut(segments[i].record, batch.status());
      if (!status.ok()) {
        statuses[worker] = std::move(status);
        failed = true;
        return;
      }
    }
  };
  std::vector<std::thread> threads;
  for (size_t worker = 1; worker < statuses.size(); ++worker) threads.emplace_back(work, worker);
  work(0);
  for (std::thread& thread : threads) thread.join();
  for (Status& status : statuses) {
    if (!status.ok()) return status;
  }
  return ScanMemtables(spec, flushing, active,
                       [&](const ColumnBatch& batch) { return visit(0, batch); });
}

Status EmbeddedStore::ScanMemtables(const ScanSpec& spec, const Memtable::Snapshot& flushing,
                                    const Memtable::Snapshot& active,
                                    const BatchVisitor& visit) const {
  ColumnSet columns = spec.columns;
  columns.set(static_cast<size_t>(ColumnId::ts));
  ColumnBatchBuilder builder(columns);
  Status visit_status;
  auto pick = [&](std::string_view, int64_t ts) -> ColumnBatchBuilder* {
    if (ts < spec.from_ms || ts >= spec.to_ms) return nullptr;
    if (builder.rows() == kScanBatchRows) {
      Status s = spec.control != nullptr ? spec.control->Check() : Status::Ok();
      if (s.ok()) s = visit(builder.Finish());
      if (!s.ok() && visit_status.ok()) visit_status = s;
    }
    return &builder;
  };
  auto scan_memtable = [&](const Memtable::Snapshot& snapshot) {
    return Memtable::ForEach(snapshot, [&](std::string_view record) -> Status {
      std::string_view project;
      SL_RETURN_IF_ERROR(DecodeEventBatchProject(record, &project));
      if (project != spec.project) return Status::Ok();
      SL_RETURN_IF_ERROR(DecodeEventBatchInto(record, pick));
      return visit_status;
    });
  };
  SL_RETURN_IF_ERROR(scan_memtable(flushing));
  SL_RETURN_IF_ERROR(scan_memtable(active));
  if (builder.rows() > 0) SL_RETURN_IF_ERROR(visit(builder.Finish()));
  return Status::Ok();
}

namespace {

bool Contains(const std::vector<ColumnId>& set, ColumnId column) {
  return std::find(set.begin(), set.end(), column) != set.end();
}

// The section of the first grouping set holding every dimension of `needed`, none of them folded,
// at `resolution_ms` (0: the span section) or, with `fine`, at any resolution dividing
// `bucket_ms`; null when none can answer.
const RollupSection* PickSection(const RollupIndex& rollup, std::string_view metric,
                                 const std::vector<ColumnId>& needed, bool fine,
                                 int64_t bucket_ms) {
  for (const std::vector<ColumnId>& set : RollupGroupingSets()) {
    if (!std::all_of(needed.begin(), needed.end(), [&](ColumnId c) { return Contains(set, c); })) {
      continue;
    }
    for (const RollupSection& section : rollup.sections) {
      if (section.metric != metric || section.dims != set) continue;
      if (fine ? (section.resolution_ms <= 0 ||
                  (bucket_ms > 0 && bucket_ms % section.resolution_ms != 0))
               : section.resolution_ms != 0) {
        continue;
      }
      bool folded = false;
      for (size_t i = 0; i < section.dims.size(); ++i) {
        folded = folded || ((section.folded >> i & 1) && Contains(needed, section.dims[i]));
      }
      if (!folded) return &section;
    }
  }
  return nullptr;
}

}  // namespace

namespace {

// The row groups an aggregation reads: its event type's, and its metric's when it names one.
RowGroupFilter AggregationRowGroups(const AggregateSpec& spec) {
  RowGroupFilter groups;
  groups.types = {spec.event_type};
  if (!spec.metric_name.empty()) groups.names = {spec.metric_name};
  return groups;
}

}  // namespace

Result<AggregateResult> EmbeddedStore::Aggregate(const AggregateSpec& spec) {
  if (!SketchServable(spec)) return AggregateByScan(*this, spec);
  std::vector<LiveSegment> segments;
  Memtable::Snapshot flushing, active;
  TakeSnapshot(spec.project, spec.from_ms, spec.to_ms, &segments, &flushing, &active);

  Aggregation aggregation(spec, /*sketched=*/true);
  const std::vector<ColumnId> needed = SpecDimensions(spec);
  const int64_t from = spec.from_ms, to = spec.to_ms, step = spec.bucket_ms;
  const RowGroupFilter groups = AggregationRowGroups(spec);
  auto scan_segment = [&](const LiveSegment& s,
                          const std::vector<std::pair<int64_t, int64_t>>& ranges) -> Status {
    Result<ColumnBatch> batch = s.reader->ReadRows(aggregation.Columns(), groups);
    if (!batch.ok()) return LeftOut(s.record, batch.status());
    aggregation.AddRows(*batch, ranges);
    return Status::Ok();
  };
  // A rollup section whose checksum fails (checked before any cell is used): the segment's rows
  // answer instead, now and from then on.
  auto read_cells = [&](const LiveSegment& s, const RollupSection& section,
                        const std::function<void(const RollupCell&)>& add) -> Status {
    Status read = s.rollup->ReadCells(section, add);
    if (read.code() != Status::Code::kCorruption) return read;
    LeaveOutCorrupt(s.record, /*rollup_only=*/true, read);
    return scan_segment(s, {{from, to}});
  };
  for (const LiveSegment& s : segments) {
    SL_RETURN_IF_ERROR(aggregation.CheckControl());
    if (s.rollup == nullptr) {
      SL_RETURN_IF_ERROR(scan_segment(s, {{from, to}}));
      continue;
    }
    Result<std::shared_ptr<const RollupIndex>> index = s.rollup->Index();
    if (!index.ok()) {  // as for a damaged section: the rows answer
      if (index.status().code() != Status::Code::kCorruption) return index.status();
      LeaveOutCorrupt(s.record, /*rollup_only=*/true, index.status());
      SL_RETURN_IF_ERROR(scan_segment(s, {{from, to}}));
      continue;
    }
    const RollupIndex& rollup = **index;
    if (std::none_of(rollup.sections.begin(), rollup.sections.end(),
                     [&](const RollupSection& sec) { return sec.metric == spec.metric_name; })) {
      continue;  // the segment holds no value of this vital
    }
    // The whole segment inside the range (and inside one bucket): its span cells.
    const bool whole =
        s.record.min_ts >= from && s.record.max_ts < to &&
        (step == 0 || FloorTo(s.record.min_ts, step) == FloorTo(s.record.max_ts, step));
    if (const RollupSection* span =
            whole ? PickSection(rollup, spec.metric_name, needed, false, step) : nullptr) {
      const int64_t bucket = step > 0 ? FloorTo(s.record.min_ts, step) : 0;
      SL_RETURN_IF_ERROR(read_cells(s, *span, [&](const RollupCell& cell) {
        aggregation.AddCell(span->dims, cell, bucket);
      }));
      continue;
    }
    const RollupSection* fine = PickSection(rollup, spec.metric_name, needed, true, step);
    if (fine == nullptr) {
      SL_RETURN_IF_ERROR(scan_segment(s, {{from, to}}));
      continue;
    }
    // Cells wholly inside the range; the rows of the partial cells at its edges one by one.
    const int64_t r = fine->resolution_ms;
    const int64_t inner_from = std::min(FloorTo(from + r - 1, r), to);
    const int64_t inner_to = std::max(FloorTo(to, r), inner_from);
    bool whole_rows = false;  // the rollup failed: its rows were scanned in full
    Status cells = s.rollup->ReadCells(*fine, [&](const RollupCell& cell) {
      if (cell.bucket_start < inner_from || cell.bucket_start + r > inner_to) return;
      aggregation.AddCell(fine->dims, cell, step > 0 ? FloorTo(cell.bucket_start, step) : 0);
    });
    if (cells.code() == Status::Code::kCorruption) {
      LeaveOutCorrupt(s.record, /*rollup_only=*/true, cells);
      SL_RETURN_IF_ERROR(scan_segment(s, {{from, to}}));
      whole_rows = true;
    } else {
      SL_RETURN_IF_ERROR(cells);
    }
    if (whole_rows) continue;
    std::vector<std::pair<int64_t, int64_t>> edges;
    for (auto [lo, hi] : {std::pair{from, inner_from}, std::pair{inner_to, to}}) {
      if (lo < hi && s.record.max_ts >= lo && s.record.min_ts < hi) edges.emplace_back(lo, hi);
    }
    if (!edges.empty()) SL_RETURN_IF_ERROR(scan_segment(s, edges));
  }
  ScanSpec memtables;
  memtables.project = spec.project;
  memtables.from_ms = from;
  memtables.to_ms = to;
  memtables.columns = aggregation.Columns();
  memtables.control = spec.control;
  SL_RETURN_IF_ERROR(ScanMemtables(memtables, flushing, active, [&](const ColumnBatch& batch) {
    aggregation.AddRows(batch);
    return aggregation.CheckControl();
  }));
  SL_RETURN_IF_ERROR(aggregation.CheckControl());
  return aggregation.Finish();
}

Result<EmbeddedStore::LiveSegment> EmbeddedStore::WriteSegmentFiles(Manifest* next,
                                                                    const std::string& project,
                                                                    const std::string& day,
                                                                    const ColumnBatch& batch) {
  SegmentRecord record;
  record.id = next->next_segment_id++;
  record.project = project;
  record.day = day;
  record.file = SegmentFileName(project, day, record.id);
  SL_RETURN_IF_ERROR(env_->CreateDirs(JoinPath(options_.dir, project + "/" + day)));
  // Make the new directories' own entries durable too (cheap: they rarely are new).
  SL_RETURN_IF_ERROR(env_->SyncDir(JoinPath(options_.dir, project)));
  SL_RETURN_IF_ERROR(env_->SyncDir(options_.dir));
  const std::string path = JoinPath(options_.dir, record.file);
  // The rollup is built on another thread while the segment is sorted, compressed and written.
  const std::vector<int64_t>& ts = batch.col(ColumnId::ts).ints;
  int64_t min_ts = 0, max_ts = 0;  // as WriteSegment's
  if (!ts.empty()) {
    auto [lo, hi] = std::minmax_element(ts.begin(), ts.end());
    min_ts = *lo;
    max_ts = *hi;
  }
  std::future<std::string> rollup = std::async(std::launch::async, [&] {
    return BuildRollup(batch, RollupResolution(min_ts, max_ts), options_.rollup_limits);
  });
  Result<SegmentInfo> info = WriteSegment(env_, path, batch);
  const std::string rollup_bytes = rollup.get();
  if (!info.ok()) return info.status();
  SL_RETURN_IF_ERROR(env_->WriteFileAtomic(RollupPathOf(path), rollup_bytes));
  record.rows = info->rows;
  record.min_ts = info->min_ts;
  record.max_ts = info->max_ts;
  record.bytes = info->file_bytes;
  Result<std::unique_ptr<SegmentReader>> reader = SegmentReader::Open(env_, path, &files_);
  if (!reader.ok()) return reader.status();
  next->segments.push_back(record);
  LiveSegment live{record, std::move(reader).value(), nullptr};
  live.rollup = OpenRollup(path, *live.reader);
  return live;
}

Status EmbeddedStore::Import(const std::string& project, const ColumnBatch& batch) {
  if (batch.rows == 0) return Status::Ok();
  const Column& ts = batch.col(ColumnId::ts);
  const int64_t day_start = FloorTo(ts.ints[0], kMillisPerDay);
  for (size_t row = 0; row < batch.rows; ++row) {
    if (ts.ints[row] < day_start || ts.ints[row] >= day_start + kMillisPerDay) {
      return Status::InvalidArgument("an imported batch must hold one UTC day");
    }
  }
  const std::string day = UtcDay(day_start);
  std::lock_guard<std::mutex> flush_lock(flush_mu_);
  Manifest next = manifest_;
  Result<LiveSegment> live = WriteSegmentFiles(&next, project, day, batch);
  if (!live.ok()) return live.status();
  SL_RETURN_IF_ERROR(WriteManifest(env_, logger_, options_.dir, next));
  manifest_ = std::move(next);
  std::lock_guard<std::mutex> lock(mu_);
  segments_.push_back(std::move(live).value());
  return Status::Ok();
}

int64_t EmbeddedStore::RollupResolution(int64_t min_ts, int64_t max_ts) const {
  const int64_t age = env_->NowMillis() - max_ts;
  if (age <= kMinuteCellsFor && max_ts - min_ts <= kMinuteCellsSpan) return kMillisPerMinute;
  return age <= kHourCellsFor ? kMillisPerHour : kMillisPerDay;
}

Status EmbeddedStore::WriteRollup(const std::string& segment_path, const ColumnBatch& batch,
                                  int64_t min_ts, int64_t max_ts) {
  return env_->WriteFileAtomic(
      RollupPathOf(segment_path),
      BuildRollup(batch, RollupResolution(min_ts, max_ts), options_.rollup_limits));
}

std::shared_ptr<RollupReader> EmbeddedStore::OpenRollup(const std::string& segment_path,
                                                        const SegmentReader& segment) {
  // The index is checked here, each section when it is read.
  const std::string path = RollupPathOf(segment_path);
  Result<std::unique_ptr<RollupReader>> rollup = RollupReader::Open(env_, path, &files_);
  if (rollup.ok()) return std::move(rollup).value();
  logger_->Info("rebuilding a segment's rollup",
                {{"rollup", path}, {"reason", rollup.status().ToString()}});
  Result<ColumnBatch> batch = segment.ReadColumns(RollupColumns());
  Status status =
      batch.ok() ? WriteRollup(segment_path, *batch, segment.info().min_ts, segment.info().max_ts)
                 : batch.status();
  if (status.ok()) {
    files_.Forget(path);  // the rebuilt file replaced the one that may be open
    rollup = RollupReader::Open(env_, path, &files_);
    if (rollup.ok() && (status = (*rollup)->Verify()).ok()) return std::move(rollup).value();
    if (!rollup.ok()) status = rollup.status();
  }
  logger_->Error("a segment's rollup cannot be rebuilt; queries read the segment's rows",
                 {{"rollup", path}, {"error", status.ToString()}});
  return nullptr;
}

Status EmbeddedStore::LeftOut(const SegmentRecord& record, Status read) {
  if (read.code() == Status::Code::kCorruption) LeaveOutCorrupt(record, false, read);
  return read;
}

void EmbeddedStore::LeaveOutCorrupt(const SegmentRecord& record, bool rollup_only,
                                    const Status& why) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = segments_.begin(); it != segments_.end(); ++it) {
    if (it->record.id != record.id) continue;
    if (rollup_only) {
      logger_->Error("a rollup is corrupt; queries read its segment's rows instead",
                     {{"segment", record.file}, {"error", why.ToString()}});
      it->rollup = nullptr;
    } else {
      logger_->Error("segment is corrupt; it is left out of queries and kept on disk",
                     {{"segment", record.file}, {"error", why.ToString()}});
      corrupt_segments_.push_back(record);
      segments_.erase(it);
      corrupt_unlisted_ = true;
    }
    return;
  }
}

void EmbeddedStore::RequestFlush() {
  std::lock_guard<std::mutex> lock(wake_mu_);
  flush_now_ = true;
  flush_requested_ = true;
  flush_wake_.notify_one();
}

Status EmbeddedStore::Flush() {
  std::lock_guard<std::mutex> flush_lock(flush_mu_);
  Status flushed = FlushLocked();
  std::lock_guard<std::mutex> lock(mu_);
  flush_error_ = flushed.ok() ? std::string() : flushed.ToString();
  return flushed;
}

Status EmbeddedStore::FlushLocked() {
  const int64_t started_us = env_->MonotonicMicros();
  uint64_t new_wal_start;
  std::optional<Wal::Switched> switched;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // A memtable whose earlier flush failed is retried before the active one is touched.
    if (!flushing_) {
      if (active_->empty()) return Status::Ok();
      // The WAL file and the memtable change together: a record is in the old file and the
      // flushed memtable, or in the new file and the new memtable.
      Result<Wal::Switched> next = wal_->Switch();
      if (!next.ok()) return next.status();
      switched = std::move(next).value();
      flushing_wal_start_ = switched->seq;
      flushing_ = std::move(active_);
      active_ = std::make_unique<Memtable>();
    }
    new_wal_start = flushing_wal_start_;
  }
  // The syncs of the switch happen outside the lock, so that appends do not wait for them. A
  // failed sync does not stop the flush: the segments it writes are what make the records
  // durable then (and a failed WAL sync is why a flush was asked for).
  if (switched) {
    if (Status s = wal_->CompleteSwitch(*switched); !s.ok()) {
      logger_->Error("syncing the WAL before a flush failed; the flush goes on",
                     {{"error", s.ToString()}});
    }
  }

  // Split the flushed batches by project and UTC day. A builder that reaches kMaxSegmentRows is
  // written out at once, which bounds the flush's memory whatever the memtable holds.
  Manifest next = manifest_;
  std::vector<LiveSegment> written;
  auto write_segment = [&](const std::pair<std::string, int64_t>& key,
                           ColumnBatchBuilder& builder) -> Status {
    Result<LiveSegment> live =
        WriteSegmentFiles(&next, key.first, UtcDay(key.second * kMillisPerDay), builder.Finish());
    if (!live.ok()) return live.status();
    written.push_back(std::move(live).value());
    return Status::Ok();
  };

  // Keyed by the day's number since the epoch; the last builder used is remembered because
  // consecutive events almost always share project and day.
  std::map<std::pair<std::string, int64_t>, ColumnBatchBuilder> builders;
  uint64_t events = 0;
  ColumnBatchBuilder* last_builder = nullptr;
  std::pair<std::string, int64_t> last_key;
  Status write_status;
  // Room for the rows a builder will likely hold (an encoded event takes some tens of bytes), so
  // that its columns do not grow by copying; capacity no row uses stays virtual memory.
  const size_t reserve_rows =
      static_cast<size_t>(std::min<uint64_t>(kMaxSegmentRows, flushing_->bytes() / 32));
  auto pick = [&](std::string_view project, int64_t ts) -> ColumnBatchBuilder* {
    int64_t day = ts / kMillisPerDay - (ts % kMillisPerDay < 0 ? 1 : 0);
    if (last_builder == nullptr || day != last_key.second || project != last_key.first) {
      last_key = {std::string(project), day};
      auto [it, added] = builders.try_emplace(last_key);
      last_builder = &it->second;
      if (added) last_builder->Reserve(reserve_rows);
    }
    if (last_builder->rows() == kMaxSegmentRows) {
      Status s = write_segment(last_key, *last_builder);
      if (!s.ok() && write_status.ok()) write_status = s;
      last_builder->Reserve(reserve_rows);
    }
    ++events;
    return last_builder;
  };
  SL_RETURN_IF_ERROR(Memtable::ForEach(flushing_->Take(), [&](std::string_view record) {
    SL_RETURN_IF_ERROR(DecodeEventBatchInto(record, pick));
    return write_status;
  }));
  for (auto& [key, builder] : builders) {
    if (builder.rows() > 0) SL_RETURN_IF_ERROR(write_segment(key, builder));
  }
  next.wal_start = new_wal_start;
  SL_RETURN_IF_ERROR(WriteManifest(env_, logger_, options_.dir, next));
  manifest_ = std::move(next);
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (LiveSegment& s : written) {
      verified_.insert(s.record.id);  // written by this process: nothing to check
      segments_.push_back(std::move(s));
    }
    flushing_.reset();
  }
  // The flushed records are in segments now; WAL files before the new one are no longer needed.
  const std::string wal_dir = JoinPath(options_.dir, kWalDirName);
  Result<std::vector<std::string>> names = env_->ListDir(wal_dir);
  if (names.ok()) {
    for (const std::string& name : *names) {
      uint64_t seq;
      if (Wal::ParseFileName(name, &seq) && seq < new_wal_start) {
        SL_RETURN_IF_ERROR(env_->RemoveFile(JoinPath(wal_dir, name)));
      }
    }
  }
  flushed_events_.Inc(events);
  flush_seconds_.Observe(static_cast<double>(env_->MonotonicMicros() - started_us) / 1e6);
  return Status::Ok();
}

bool EmbeddedStore::Stopping() {
  std::lock_guard<std::mutex> lock(wake_mu_);
  return stopping_;
}

Status EmbeddedStore::Compact() {
  // Not flush_mu_: flushes go on while runs are merged; each run takes flush_mu_ only to reserve
  // its segment's id and to publish the result (a manifest write).
  std::lock_guard<std::mutex> compact_lock(compact_mu_);
  RemoveObsoleteFiles();
  const int64_t now = env_->NowMillis();
  // The readable segments of aged partitions, and the small ones of the others, by partition.
  std::map<std::pair<std::string, std::string>, std::vector<LiveSegment>> partitions, live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const LiveSegment& s : segments_) {
      const int64_t day_end = FloorTo(s.record.max_ts, kMillisPerDay) + kMillisPerDay;
      if (now - day_end >= kMinuteCellsFor) {
        partitions[{s.record.project, s.record.day}].push_back(s);
      } else if (s.record.rows < kLiveSegmentRows &&
                 s.record.max_ts - s.record.min_ts <= kMinuteCellsSpan) {
        live[{s.record.project, s.record.day}].push_back(s);
      }
    }
  }
  for (auto& [partition, segments] : live) {
    for (const std::vector<LiveSegment>& run : LiveRuns(std::move(segments))) {
      if (Stopping()) return Status::Ok();
      SL_RETURN_IF_ERROR(CompactRun(run));
    }
  }
  for (auto& [partition, segments] : partitions) {
    std::sort(segments.begin(), segments.end(),
              [](const LiveSegment& a, const LiveSegment& b) { return a.record.id < b.record.id; });
    // Runs of consecutive segments holding at most kCompactedSegmentRows rows together.
    std::vector<std::vector<LiveSegment>> runs;
    uint64_t run_rows = 0;
    for (const LiveSegment& s : segments) {
      if (runs.empty() || run_rows + s.record.rows > kCompactedSegmentRows) {
        runs.emplace_back();
        run_rows = 0;
      }
      runs.back().push_back(s);
      run_rows += s.record.rows;
    }
    for (const std::vector<LiveSegment>& run : runs) {
      if (Stopping()) return Status::Ok();
      if (run.size() > 1) {
        SL_RETURN_IF_ERROR(CompactRun(run));
        continue;
      }
      // Alone: only a rollup finer than its age calls for is rewritten (one without cells
      // per bucket, of a segment without vitals, is left alone).
      const LiveSegment& s = run[0];
      int64_t resolution = 0;
      Result<std::shared_ptr<const RollupIndex>> index =
          s.rollup != nullptr ? s.rollup->Index()
                              : Result<std::shared_ptr<const RollupIndex>>(nullptr);
      if (index.ok() && *index != nullptr) {
        for (const RollupSection& section : (*index)->sections) {
          resolution = std::max(resolution, section.resolution_ms);
        }
      }
      if (resolution > 0 && resolution < RollupResolution(s.record.min_ts, s.record.max_ts)) {
        SL_RETURN_IF_ERROR(RewriteRollup(s));
      }
    }
  }
  partitions.clear();  // this compaction's own hold on the merged segments
  live.clear();
  RemoveObsoleteFiles();
  return Status::Ok();
}

std::vector<std::vector<EmbeddedStore::LiveSegment>> EmbeddedStore::LiveRuns(
    std::vector<LiveSegment> segments) {
  auto size_class = [](uint64_t rows) {
    int c = 0;
    for (; rows >= 4; rows /= 4) ++c;
    return c;
  };
  std::sort(segments.begin(), segments.end(), [&](const LiveSegment& a, const LiveSegment& b) {
    const int ca = size_class(a.record.rows), cb = size_class(b.record.rows);
    return ca != cb ? ca < cb : a.record.min_ts < b.record.min_ts;
  });
  std::vector<std::vector<LiveSegment>> runs;
  std::vector<LiveSegment> run;
  uint64_t run_rows = 0;
  int64_t run_min = 0, run_max = 0;
  auto close_run = [&] {
    if (run.size() >= kLiveMergeWidth) runs.push_back(std::move(run));
    run.clear();
    run_rows = 0;
  };
  for (const LiveSegment& s : segments) {
    const SegmentRecord& r = s.record;
    if (!run.empty() &&
        (size_class(r.rows) != size_class(run[0].record.rows) ||
         run_rows + r.rows > kLiveSegmentRows ||
         std::max(run_max, r.max_ts) - std::min(run_min, r.min_ts) > kMinuteCellsSpan)) {
      close_run();
    }
    if (run.empty()) run_min = r.min_ts, run_max = r.max_ts;
    run.push_back(s);
    run_rows += r.rows;
    run_min = std::min(run_min, r.min_ts);
    run_max = std::max(run_max, r.max_ts);
  }
  close_run();
  return runs;
}

Status EmbeddedStore::CompactRun(const std::vector<LiveSegment>& run) {
  const int64_t started_us = env_->MonotonicMicros();
  ColumnBatchBuilder builder;
  uint64_t rows = 0;
  for (const LiveSegment& s : run) rows += s.record.rows;
  logger_->Info("compacting a partition's segments", {{"project", run[0].record.project},
                                                      {"day", run[0].record.day},
                                                      {"segments", std::to_string(run.size())},
                                                      {"rows", std::to_string(rows)}});
  builder.Reserve(rows);
  for (const LiveSegment& s : run) {
    Result<ColumnBatch> batch = s.reader->ReadColumns(AllColumns());
    if (!batch.ok()) return LeftOut(s.record, batch.status());  // not in the next compaction
    builder.AppendBatch(*batch);
  }
  // The merged segment is written without flush_mu_, under an id reserved now (unlisted until
  // published: a crash before leaves an orphan that Open removes).
  Manifest written;
  {
    std::lock_guard<std::mutex> flush_lock(flush_mu_);
    written.next_segment_id = manifest_.next_segment_id++;
  }
  Result<LiveSegment> merged =
      WriteSegmentFiles(&written, run[0].record.project, run[0].record.day, builder.Finish());
  if (!merged.ok()) return merged.status();
  auto in_run = [&](uint64_t id) {
    return std::any_of(run.begin(), run.end(),
                       [&](const LiveSegment& s) { return s.record.id == id; });
  };
  std::lock_guard<std::mutex> flush_lock(flush_mu_);
  Manifest next = manifest_;  // with what flushes added meanwhile
  std::erase_if(next.segments, [&](const SegmentRecord& r) { return in_run(r.id); });
  next.segments.push_back(merged->record);
  SL_RETURN_IF_ERROR(WriteManifest(env_, logger_, options_.dir, next));
  manifest_ = std::move(next);
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::erase_if(segments_, [&](const LiveSegment& s) { return in_run(s.record.id); });
    verified_.insert(merged->record.id);
    segments_.push_back(std::move(merged).value());
    // Unlisted now: deleted once no scan reads them (a crash before leaves orphans that Open
    // removes).
    for (const LiveSegment& s : run) obsolete_.push_back({s.reader, s.record.file});
  }
  compacted_segments_.Inc(run.size());
  logger_->Info(
      "compacted a partition's segments",
      {{"project", run[0].record.project},
       {"day", run[0].record.day},
       {"segments", std::to_string(run.size())},
       {"rows", std::to_string(rows)},
       {"seconds",
        std::to_string(static_cast<double>(env_->MonotonicMicros() - started_us) / 1e6)}});
  return Status::Ok();
}

Status EmbeddedStore::RewriteRollup(const LiveSegment& segment) {
  const std::string path = JoinPath(options_.dir, segment.record.file);
  Result<ColumnBatch> batch = segment.reader->ReadColumns(RollupColumns());
  if (!batch.ok()) return batch.status();
  SL_RETURN_IF_ERROR(WriteRollup(path, *batch, segment.record.min_ts, segment.record.max_ts));
  files_.Forget(RollupPathOf(path));  // replaced: an open descriptor would read the old file
  Result<std::unique_ptr<RollupReader>> rollup =
      RollupReader::Open(env_, RollupPathOf(path), &files_);
  if (!rollup.ok()) return rollup.status();
  SL_RETURN_IF_ERROR((*rollup)->Verify());
  std::shared_ptr<RollupReader> shared = std::move(rollup).value();
  std::lock_guard<std::mutex> lock(mu_);
  for (LiveSegment& s : segments_) {
    if (s.record.id == segment.record.id) s.rollup = shared;
  }
  return Status::Ok();
}

void EmbeddedStore::SyncLoop() {
  const auto interval = std::chrono::milliseconds(options_.wal_fsync_interval_ms);
  std::unique_lock<std::mutex> lock(wake_mu_);
  auto next_sync = std::chrono::steady_clock::now() + interval;
  while (!stopping_) {
    if (sync_wake_.wait_until(lock, next_sync, [this] { return stopping_; })) break;
    next_sync = std::chrono::steady_clock::now() + interval;
    lock.unlock();
    const int64_t started_us = env_->MonotonicMicros();
    bool synced = false;
    Status s = wal_->Sync(&synced);
    if (synced)
      fsync_seconds_.Observe(static_cast<double>(env_->MonotonicMicros() - started_us) / 1e6);
    lock.lock();
    if (!s.ok()) {
      wal_sync_failures_.Inc();
      logger_->Error(
          "WAL fdatasync failed; appends move to a new WAL file and the memtable is "
          "flushed to segments now",
          {{"error", s.ToString()}});
      flush_now_ = true;
      flush_requested_ = true;
      flush_wake_.notify_one();
    }
  }
}

void EmbeddedStore::FlushLoop() {
  std::unique_lock<std::mutex> lock(wake_mu_);
  int64_t last_compaction_us = env_->MonotonicMicros();
  while (!stopping_) {
    flush_wake_.wait_for(lock, std::chrono::seconds(1),
                         [this] { return stopping_ || flush_requested_; });
    if (stopping_) break;
    flush_requested_ = false;
    const bool flush_now = std::exchange(flush_now_, false);
    lock.unlock();
    bool due;
    {
      std::lock_guard<std::mutex> state_lock(mu_);
      due = !active_->empty() &&
            (flush_now || active_->bytes() >= options_.flush_bytes ||
             env_->NowMillis() - active_since_ms_ >= int64_t{options_.flush_interval_s} * 1000);
    }
    if (due) {
      Status s = Flush();
      if (!s.ok()) logger_->Error("memtable flush failed; will retry", {{"error", s.ToString()}});
    }
    if (options_.compact_interval_s > 0 && env_->MonotonicMicros() - last_compaction_us >=
                                               int64_t{options_.compact_interval_s} * 1000000) {
      Status s = Compact();
      if (!s.ok()) logger_->Error("compaction failed; will retry", {{"error", s.ToString()}});
      last_compaction_us = env_->MonotonicMicros();
    }
    RemoveObsoleteFiles();
    VerifyNextSegment();
    if (Status s = MarkCorruptInManifest(); !s.ok()) {
      logger_->Error("cannot mark a corrupt segment in the manifest; will retry",
                     {{"error", s.ToString()}});
    }
    lock.lock();
  }
}

void EmbeddedStore::RemoveObsoleteFiles() {
  std::vector<std::string> unused;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::erase_if(obsolete_, [&](const ObsoleteSegment& o) {
      if (!o.reader.expired()) return false;
      unused.push_back(o.file);
      return true;
    });
  }
  for (const std::string& segment : unused) {
    const std::string path = JoinPath(options_.dir, segment);
    for (const std::string& file : {path, RollupPathOf(path)}) {
      files_.Forget(file);
      Status removed = env_->RemoveFile(file);
      if (!removed.ok() && removed.code() != Status::Code::kNotFound) {
        logger_->Error("cannot remove a compacted file", {{"error", removed.ToString()}});
      }
    }
  }
}

void EmbeddedStore::VerifyNextSegment() {
  LiveSegment next;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto found = std::find_if(segments_.begin(), segments_.end(), [&](const LiveSegment& s) {
      return verified_.count(s.record.id) == 0;
    });
    if (found == segments_.end()) return;
    next = *found;
    verified_.insert(next.record.id);
  }
  Status segment = next.reader->Verify();
  if (!segment.ok()) return LeaveOutCorrupt(next.record, /*rollup_only=*/false, segment);
  if (next.rollup == nullptr) return;
  if (Status rollup = next.rollup->Verify(); !rollup.ok()) {
    LeaveOutCorrupt(next.record, /*rollup_only=*/true, rollup);
  }
}

Status EmbeddedStore::MarkCorruptInManifest() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!corrupt_unlisted_) return Status::Ok();  // the common case, once a second
  }
  std::lock_guard<std::mutex> flush_lock(flush_mu_);
  std::set<uint64_t> corrupt;
  {
    std::lock_guard<std::mutex> lock(mu_);
    corrupt_unlisted_ = false;
    for (const SegmentRecord& record : corrupt_segments_) corrupt.insert(record.id);
  }
  Manifest next = manifest_;
  for (SegmentRecord& record : next.segments) record.corrupt |= corrupt.count(record.id) > 0;
  Status written = WriteManifest(env_, logger_, options_.dir, next);
  if (!written.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    corrupt_unlisted_ = true;
    return written;
  }
  manifest_ = std::move(next);
  return Status::Ok();
}

Status EmbeddedStore::Close() {
  if (closed_) return Status::Ok();
  closed_ = true;
  {
    std::lock_guard<std::mutex> lock(wake_mu_);
    stopping_ = true;
  }
  sync_wake_.notify_all();
  flush_wake_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  if (syncer_.joinable()) syncer_.join();
  Status flushed = Flush();
  RemoveObsoleteFiles();
  if (Status marked = MarkCorruptInManifest(); !marked.ok() && flushed.ok()) flushed = marked;
  Status synced = wal_ ? wal_->Sync() : Status::Ok();
  return flushed.ok() ? synced : flushed;
}

EmbeddedStoreStats EmbeddedStore::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  EmbeddedStoreStats stats;
  stats.memtable_bytes = active_->bytes() + (flushing_ ? flushing_->bytes() : 0);
  stats.segments = segments_.size();
  stats.corrupt_segments = corrupt_segments_.size();
  stats.recovered_records = recovered_records_;
  stats.flush_error = flush_error_;
  return stats;
}

}  // namespace sightline
