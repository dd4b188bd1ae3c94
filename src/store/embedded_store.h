// EmbeddedStore: the default Store — a WAL, a memtable and columnar segment files for one region,
// in one directory:
//
//   <dir>/MANIFEST                          live segments + first WAL file needed
//   (store/manifest.h) <dir>/wal/wal-<seq>.log                 write-ahead log (store/wal.h)
//   <dir>/<project>/<YYYY-MM-DD>/<id>.seg   segments, one project and UTC day each
//   (store/segment.h)
//
// Append writes the batch's WAL record (acknowledgeable once it returns) and adds it to the
// memtable. A syncer thread fdatasyncs the WAL every wal_fsync_interval_ms (group commit). A
// flusher thread turns the memtable into segments when it holds flush_bytes or is flush_interval_s
// old: rotate the WAL, write and fsync the segments, replace the manifest, delete the old WAL
// files. Every segment has a rollup beside it (<id>.rollup, store/rollup.h) that answers
// sketch-servable aggregations without reading the segment's rows. Open() recovers: it loads the
// manifest, verifies every segment (a corrupt one is reported and left out, never fatal), deletes
// segment files a crashed flush left unlisted, and replays the WAL from wal_start, ignoring a torn
// tail. Close() (and the destructor) flushes and stops the threads. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/env.h"
#include "common/logger.h"
#include "common/metrics.h"
#include "store/manifest_store.h"
#include "store/memtable.h"
#include "store/rollup.h"
#include "store/segment.h"
#include "store/store.h"
#include "store/wal.h"

namespace sightline {

struct EmbeddedStoreOptions {
  std::string dir;  // the region's directory; created if missing
  uint32_t wal_fsync_interval_ms = 50;
  uint64_t flush_bytes = 64ull << 20;
  // Appends are refused (ResourceExhausted) while the memtable holds more: flushes are failing,
  // and memory must not grow without bound meanwhile.
  uint64_t max_memtable_bytes = 256ull << 20;
  // Segment and rollup files open at once; the least recently read are closed beyond it.
  size_t max_open_files = 512;
  uint32_t flush_interval_s = 300;
  // How often the flusher thread compacts (Compact); 0: only when called.
  uint32_t compact_interval_s = 600;
  RollupLimits rollup_limits;
};

struct EmbeddedStoreStats {
  uint64_t memtable_bytes = 0;
  uint64_t segments = 0;
  uint64_t corrupt_segments = 0;
  uint64_t recovered_records = 0;  // WAL records replayed at Open
  std::string flush_error;         // why the last flush failed; "" when it succeeded
};

class EmbeddedStore final : public Store {
 public:
  static Result<std::unique_ptr<EmbeddedStore>> Open(Env* env, Logger* logger,
                                                     MetricsRegistry* metrics,
                                                     EmbeddedStoreOptions options);
  ~EmbeddedStore() override;

  Status Append(const EventBatch& batch) override;
  std::unique_ptr<AppendGroup> NewAppendGroup() override;
  Status Commit(AppendGroup& group) override;
  Status Scan(const ScanSpec& spec, const BatchVisitor& visit) override;
  // Each worker reads and visits whole segments, the next one not yet taken; the memtables last,
  // as worker 0.
  Status ScanParallel(const ScanSpec& spec, size_t workers,
                      const ParallelBatchVisitor& visit) override;
  Result<AggregateResult> Aggregate(const AggregateSpec& spec) override;

  // Writes the memtable to segments now (blocking).
  Status Flush();
  // Asks the flusher to write the memtable out now, whatever its size (memory pressure); returns
  // at once.
  void RequestFlush();
  // Writes `batch` (every column; events of one UTC day, ts present) as a segment of `project`
  // with its rollup, bypassing the WAL and the memtable: the offline import path. Durable and
  // visible when it returns.
  Status Import(const std::string& project, const ColumnBatch& batch);
  // Compacts the partitions (a project's UTC day). One that has aged (the day ended two days
  // ago) has its segments merged into as few as hold kCompactedSegmentRows rows each, and every
  // rollup of such a day has cells per hour, per day once the day ended kHourCellsFor ago (a
  // segment alone in its run keeps its file; only its rollup is rewritten when it is too fine).
  // One not aged has its small segments merged in tiers (LiveRuns), keeping cells per minute.
  // Crash-safe: the new files are listed in the manifest before the old ones are deleted. Scans
  // running meanwhile keep reading the files they started with.
  Status Compact();
  // Flushes, syncs and stops the background threads. Idempotent.
  Status Close();
  EmbeddedStoreStats Stats() const;

 private:
  struct LiveSegment {
    SegmentRecord record;
    std::shared_ptr<SegmentReader> reader;  // shared: scans keep using it outside the lock
    std::shared_ptr<RollupReader> rollup;   // null: none readable; queries scan the segment
  };

  EmbeddedStore(Env* env, Logger* logger, MetricsRegistry* metrics, EmbeddedStoreOptions options);
  Status Recover();
  Status RemoveOrphanSegments(const Manifest& manifest);
  void SyncLoop();
  void FlushLoop();
  Status FlushLocked();  // REQUIRES(flush_mu_)
  // Writes a segment of `batch` and its rollup, and lists it in `next`. REQUIRES(flush_mu_)
  Result<LiveSegment> WriteSegmentFiles(Manifest* next, const std::string& project,
                                        const std::string& day, const ColumnBatch& batch);
  // The cells' resolution for rows from min_ts to max_ts, as of now: per minute for a live flush
  // (data under two days old spanning at most three hours), per day for data older than
  // kHourCellsFor, per hour otherwise.
  int64_t RollupResolution(int64_t min_ts, int64_t max_ts) const;
  // Writes the rollup of a segment's rows beside it at RollupResolution.
  Status WriteRollup(const std::string& segment_path, const ColumnBatch& batch, int64_t min_ts,
                     int64_t max_ts);
  // Opens and verifies the segment's rollup, rebuilding it from the segment when it is missing or
  // damaged;
  // null when that fails too (logged).
  std::shared_ptr<RollupReader> OpenRollup(const std::string& segment_path,
                                           const SegmentReader& segment);
  // The segments of `project` overlapping [from_ms, to_ms) and the memtables, as of now.
  void TakeSnapshot(const std::string& project, int64_t from_ms, int64_t to_ms,
                    std::vector<LiveSegment>* segments, Memtable::Snapshot* flushing,
                    Memtable::Snapshot* active) const;
  // The runs of a partition's small segments (not aged) that Compact merges now: segments of one
  // size class, kLiveMergeWidth or more, of at most kLiveSegmentRows rows spanning at most
  // kMinuteCellsSpan together (embedded_store.cc).
  static std::vector<std::vector<LiveSegment>> LiveRuns(std::vector<LiveSegment> segments);
  // Merges the segments of `run` (of one partition, listed in manifest_) into one: read and
  // written without flush_mu_, which it takes only to reserve an id and to publish.
  // REQUIRES(compact_mu_)
  Status CompactRun(const std::vector<LiveSegment>& run);
  // Rewrites a segment's rollup at RollupResolution. REQUIRES(compact_mu_)
  Status RewriteRollup(const LiveSegment& segment);
  bool Stopping();
  // Deletes the files of compacted segments that no scan reads any more.
  void RemoveObsoleteFiles();
  // A segment (or only its rollup) found corrupt while reading: left out of later queries,
  // counted and logged; the file stays on disk.
  void LeaveOutCorrupt(const SegmentRecord& record, bool rollup_only, const Status& why);
  // Records the segments LeaveOutCorrupt left out in the manifest, so that later starts leave
  // them out too (instead of serving their intact blocks until a read finds the damage again).
  // Called by the flusher. Takes flush_mu_.
  Status MarkCorruptInManifest();
  // `read` as it is, after leaving the segment out when it says Corruption.
  Status LeftOut(const SegmentRecord& record, Status read);
  // Reads and checks every block of one segment (and its rollup) not checked yet: the flusher
  // calls it once a second, so damage is found soon after start-up even where no query reads.
  void VerifyNextSegment();
  Status ScanMemtables(const ScanSpec& spec, const Memtable::Snapshot& flushing,
                       const Memtable::Snapshot& active, const BatchVisitor& visit) const;

  Env* const env_;
  Logger* const logger_;
  const EmbeddedStoreOptions options_;
  Histogram& fsync_seconds_;
  Histogram& flush_seconds_;
  Counter& flushed_events_;
  Counter& compacted_segments_;
  Counter& wal_sync_failures_;

  OpenFileCache files_;    // the segments' and rollups' files (storage.max_open_files)
  std::mutex compact_mu_;  // one compaction at a time; taken before flush_mu_
  std::mutex flush_mu_;    // one flush or manifest change at a time; taken before mu_
  mutable std::mutex mu_;
  std::unique_ptr<Wal> wal_;
  std::unique_ptr<Memtable> active_;             // GUARDED_BY(mu_)
  std::shared_ptr<const Memtable> flushing_;     // GUARDED_BY(mu_): being written out
  uint64_t flushing_wal_start_ = 0;              // GUARDED_BY(mu_): WAL file after flushing_
  std::vector<LiveSegment> segments_;            // GUARDED_BY(mu_)
  std::vector<SegmentRecord> corrupt_segments_;  // GUARDED_BY(mu_): kept listed, not read
  bool corrupt_unlisted_ = false;                // GUARDED_BY(mu_): left out, not yet marked
  std::set<uint64_t> verified_;                  // GUARDED_BY(mu_): segment ids checked whole
  struct ObsoleteSegment {
    std::weak_ptr<SegmentReader> reader;  // expired: no scan holds the segment any more
    std::string file;                     // relative to the directory, like SegmentRecord::file
  };
  std::vector<ObsoleteSegment> obsolete_;  // GUARDED_BY(mu_): compacted away, files not deleted
  Manifest manifest_;                      // GUARDED_BY(flush_mu_)
  int64_t active_since_ms_ = 0;            // GUARDED_BY(mu_)
  std::string flush_error_;                // GUARDED_BY(mu_): the last flush's, if it failed
  uint64_t recovered_records_ = 0;         // set by Recover(), read-only afterwards
  uint64_t wal_skipped_bytes_ = 0;         // likewise
  uint64_t wal_skipped_regions_ = 0;       // likewise
  ManifestSource manifest_source_ = ManifestSource::kManifest;  // likewise

  std::mutex wake_mu_;
  std::condition_variable sync_wake_;   // the syncer: only to stop
  std::condition_variable flush_wake_;  // the flusher: a memtable is full, or stop
  bool stopping_ = false;               // GUARDED_BY(wake_mu_)
  bool flush_requested_ = false;        // GUARDED_BY(wake_mu_)
  bool flush_now_ = false;  // GUARDED_BY(wake_mu_): flush whatever the memtable holds (after a
                            // failed WAL sync)
  bool closed_ = false;
  std::thread syncer_;
  std::thread flusher_;
};

// "YYYY-MM-DD" of a UTC epoch-millisecond timestamp.
std::string UtcDay(int64_t ts_ms);

}  // namespace sightline
