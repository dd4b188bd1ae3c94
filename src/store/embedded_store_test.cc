#include "store/embedded_store.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>

#include "store/test_util.h"

namespace sightline {
namespace {

class EmbeddedStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<EmbeddedStore> Open(const std::string& name = "default") {
    EmbeddedStoreOptions options;
    options.dir = JoinPath(dir_.path(), name);
    options.flush_interval_s = 3600;
    auto store = EmbeddedStore::Open(Env::Default(), &logger_, &metrics_, options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // LCP samples visible for project "p" across all time.
  double Samples(EmbeddedStore& store) {
    AggregateSpec spec;
    spec.project = "p";
    spec.from_ms = 0;
    spec.to_ms = INT64_MAX;
    spec.event_type = "vital";
    spec.metric_name = "LCP";
    spec.stats = {{"samples", StatKind::kSamples}};
    auto result = store.Aggregate(spec);
    EXPECT_TRUE(result.ok());
    return result->rows.empty() ? 0 : result->rows[0].values[0];
  }

  std::vector<std::string> SegmentFiles() {
    std::vector<std::string> files;
    for (auto& entry : std::filesystem::recursive_directory_iterator(dir_.path())) {
      if (entry.path().extension() == ".seg") files.push_back(entry.path().string());
    }
    return files;
  }

  TempDir dir_;
  MetricsRegistry metrics_;
  FILE* log_sink_ = std::tmpfile();
  Logger logger_{Env::Default(), log_sink_, LogLevel::kInfo};
};

const int64_t kDay1 = 1795806000000;  // 2026-11-27
const int64_t kDay2 = kDay1 + 86400000;

TEST_F(EmbeddedStoreTest, AppendedEventsAreVisibleBeforeAndAfterFlush) {
  auto store = Open();
  ASSERT_TRUE(store->Append({"p", {Vital(kDay1, "LCP", 1), Vital(kDay2, "LCP", 2)}}).ok());
  ASSERT_TRUE(store->Append({"q", {Vital(kDay1, "LCP", 3)}}).ok());
  EXPECT_EQ(Samples(*store), 2);
  ASSERT_TRUE(store->Flush().ok());
  EXPECT_EQ(Samples(*store), 2);
  EXPECT_EQ(store->Stats().segments, 3u);  // p/day1, p/day2, q/day1
  EXPECT_EQ(SegmentFiles().size(), 3u);
  ASSERT_TRUE(store->Append({"p", {Vital(kDay1, "LCP", 4)}}).ok());
  EXPECT_EQ(Samples(*store), 3);  // segments and memtable together
}

TEST_F(EmbeddedStoreTest, UnflushedEventsComeBackFromTheWalAfterACrash) {
  auto store = Open();
  ASSERT_TRUE(store->Append({"p", {Vital(kDay1, "LCP", 1)}}).ok());
  ASSERT_TRUE(store->Flush().ok());
  ASSERT_TRUE(store->Append({"p", {Vital(kDay1, "LCP", 2), Vital(kDay1, "LCP", 3)}}).ok());
  // What a kill -9 leaves on disk now: a copy of the directory taken while the store runs.
  std::filesystem::copy(JoinPath(dir_.path(), "default"), JoinPath(dir_.path(), "crashed"),
                        std::filesystem::copy_options::recursive);
  auto reopened = Open("crashed");
  EXPECT_EQ(Samples(*reopened), 3);
  EXPECT_EQ(reopened->Stats().recovered_records, 1u);
  // Reopening again (after a clean close) neither loses nor duplicates anything.
  ASSERT_TRUE(reopened->Close().ok());
  reopened.reset();
  auto again = Open("crashed");
  EXPECT_EQ(Samples(*again), 3);
}

// A write cut short by a full disk or a file-size limit (RLIMIT_FSIZE makes write() stop at the
// limit and fail with EFBIG after it) answers an error, and the appends acknowledged after it
// survive a crash: the torn record is cut back before anything else is appended.
TEST_F(EmbeddedStoreTest, AppendsAcknowledgedAfterAShortWriteSurviveACrash) {
  auto store = Open();
  for (int idx = 0; idx < 10; ++idx)
    ASSERT_TRUE(store->Append({"p", {Vital(kDay1, "LCP", idx)}}).ok());
  uint64_t wal_bytes = 0;
  for (auto& entry : std::filesystem::directory_iterator(JoinPath(dir_.path(), "default/wal"))) {
    wal_bytes = std::max<uint64_t>(wal_bytes, entry.file_size());
  }
  ASSERT_GT(wal_bytes, 0u);
  std::signal(SIGXFSZ, SIG_IGN);
  rlimit unlimited{}, limited{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &unlimited), 0);
  limited = unlimited;
  limited.rlim_cur = wal_bytes + 5;  // the next record's header is cut after 5 bytes
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &limited), 0);
  Status short_write = store->Append({"p", {Vital(kDay1, "LCP", 100)}});
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &unlimited), 0);
  EXPECT_FALSE(short_write.ok());
  for (int idx = 0; idx < 10; ++idx)
    ASSERT_TRUE(store->Append({"p", {Vital(kDay1, "LCP", idx)}}).ok());
  EXPECT_EQ(Samples(*store), 20);

  std::filesystem::copy(JoinPath(dir_.path(), "default"), JoinPath(dir_.path(), "crashed"),
                        std::filesystem::copy_options::recursive);
  auto reopened = Open("crashed");
  EXPECT_EQ(Samples(*reopened), 20);
}

// An Env whose next fdatasync calls fail with EIO, as a failing disk's would.
class FailingSyncEnv : public Env {
 public:
  int DataSync(int fd) const override {
    if (failures_left.fetch_sub(1) > 0) {
      errno = EIO;
      return -1;
    }
    return Env::DataSync(fd);
  }
  mutable std::atomic<int> failures_left{0};
};

// After a failed fdatasync the kernel may drop the pages it could not write and report the next
// fdatasync as a success, so the records in that WAL file are made durable another way: the
// memtable is flushed to segments at once, and appends move on to a new WAL file.
TEST_F(EmbeddedStoreTest, AFailedWalSyncFlushesTheMemtableAndMovesToANewWalFile) {
  FailingSyncEnv env;
  EmbeddedStoreOptions options;
  options.dir = JoinPath(dir_.path(), "default");
  options.flush_interval_s = 3600;
  options.wal_fsync_interval_ms = 10;
  auto opened = EmbeddedStore::Open(&env, &logger_, &metrics_, options);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto& store = *opened;
  env.failures_left = 1;
  ASSERT_TRUE(store->Append({"p", {Vital(kDay1, "LCP", 1)}}).ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (store->Stats().segments == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(store->Stats().segments, 1u) << "the failed sync's records are flushed to a segment";
  EXPECT_NE(metrics_.Render().find("sightline_wal_sync_failures_total 1"), std::string::npos);
  ASSERT_TRUE(store->Append({"p", {Vital(kDay1, "LCP", 2)}}).ok());
  std::filesystem::copy(options.dir, JoinPath(dir_.path(), "crashed"),
                        std::filesystem::copy_options::recursive);
  auto reopened = Open("crashed");
  EXPECT_EQ(Samples(*reopened), 2);
}

size_t OpenDescriptors() {
  size_t n = 0;
  for (auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    (void)entry;
    ++n;
  }
  return n;
}

// Segments and rollups are opened through a bounded cache (storage.max_open_files): a store of
// any size holds a bounded number of descriptors, at start-up and while queries read it all.
TEST_F(EmbeddedStoreTest, OpenFilesStayWithinMaxOpenFiles) {
  EmbeddedStoreOptions options;
  options.dir = JoinPath(dir_.path(), "default");
  options.flush_interval_s = 3600;
  options.max_open_files = 6;
  {
    auto store = EmbeddedStore::Open(Env::Default(), &logger_, &metrics_, options);
    ASSERT_TRUE(store.ok());
    for (int day = 0; day < 30; ++day) {
      ASSERT_TRUE((*store)->Append({"p", {Vital(kDay1 - day * 86400000LL, "LCP", day)}}).ok());
      ASSERT_TRUE((*store)->Flush().ok());
    }
  }
  const size_t before = OpenDescriptors();
  auto store = EmbeddedStore::Open(Env::Default(), &logger_, &metrics_, options);
  ASSERT_TRUE(store.ok());
  ASSERT_EQ((*store)->Stats().segments, 30u);
  EXPECT_EQ(Samples(**store), 30);  // reads every segment (rows or rollup cells)
  AggregateSpec exact;
  exact.project = "p";
  exact.from_ms = 0;
  exact.to_ms = INT64_MAX;
  exact.event_type = "vital";
  exact.metric_name = "LCP";
  exact.exact = true;
  exact.stats = {{"samples", StatKind::kSamples}};
  auto rows = (*store)->Aggregate(exact);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->rows[0].values[0], 30);
  // The WAL file and the syncer's and flusher's needs aside, at most max_open_files more.
  EXPECT_LE(OpenDescriptors(), before + options.max_open_files + 2);
}

TEST_F(EmbeddedStoreTest, AGroupBecomesVisibleAndDurableAtItsCommit) {
  auto store = Open();
  auto group = store->NewAppendGroup();
  auto other = store->NewAppendGroup();
  group->Add({"p", {Vital(kDay1, "LCP", 1)}});
  group->Add({"p", {Vital(kDay1, "LCP", 2), Vital(kDay1, "LCP", 3)}});
  other->Add({"p", {Vital(kDay1, "LCP", 4)}});
  EXPECT_EQ(Samples(*store), 0);  // added is not yet stored
  ASSERT_TRUE(store->Commit(*group).ok());
  EXPECT_EQ(Samples(*store), 3);  // the other group is not committed with it
  EXPECT_TRUE(group->empty());
  ASSERT_TRUE(store->Commit(*group).ok());  // an empty group: a no-op
  std::filesystem::copy(JoinPath(dir_.path(), "default"), JoinPath(dir_.path(), "crashed"),
                        std::filesystem::copy_options::recursive);
  auto recovered = Open("crashed");
  EXPECT_EQ(Samples(*recovered), 3);
  EXPECT_EQ(recovered->Stats().recovered_records, 2u);  // one WAL record per beacon
  ASSERT_TRUE(store->Commit(*other).ok());
  EXPECT_EQ(Samples(*store), 4);
}

TEST_F(EmbeddedStoreTest, ACorruptSegmentIsReportedAndLeftOutNotFatal) {
  {
    auto store = Open();
    ASSERT_TRUE(store->Append({"p", {Vital(kDay1, "LCP", 1)}}).ok());
    ASSERT_TRUE(store->Flush().ok());
    ASSERT_TRUE(store->Append({"p", {Vital(kDay2, "LCP", 2)}}).ok());
    ASSERT_TRUE(store->Close().ok());
  }
  std::vector<std::string> files = SegmentFiles();
  ASSERT_EQ(files.size(), 2u);
  std::sort(files.begin(), files.end());
  std::string bytes = *Env::Default()->ReadFile(files[0]);
  bytes[bytes.size() / 2] ^= 0xff;
  ASSERT_TRUE(Env::Default()->WriteFileAtomic(files[0], bytes).ok());

  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Stats().corrupt_segments, 1u);
  EXPECT_EQ(Samples(*store), 1);                      // the intact segment still answers
  EXPECT_TRUE(Env::Default()->FileExists(files[0]));  // kept for the operator
  // A later flush keeps it listed, so it is reported again at the next start.
  ASSERT_TRUE(store->Append({"p", {Vital(kDay1, "LCP", 5)}}).ok());
  ASSERT_TRUE(store->Close().ok());
  store.reset();
  EXPECT_EQ(Open()->Stats().corrupt_segments, 1u);
}

TEST_F(EmbeddedStoreTest, SegmentFilesNoManifestListsAreRemovedAtOpen) {
  {
    auto store = Open();
    ASSERT_TRUE(store->Append({"p", {Vital(kDay1, "LCP", 1)}}).ok());
    ASSERT_TRUE(store->Close().ok());
  }
  std::string orphan = JoinPath(dir_.path(), "default/p/2026-11-27/0000000099.seg");
  ASSERT_TRUE(Env::Default()->WriteFileAtomic(orphan, "half-written").ok());
  auto store = Open();
  EXPECT_FALSE(Env::Default()->FileExists(orphan));
  EXPECT_EQ(Samples(*store), 1);
}

// Flips one byte of the file in the middle, the way bit rot or a bad sector would; with
// `from_end` bytes before the end instead (a segment's footer ends 16 bytes before it).
void FlipAByte(const std::string& path, size_t from_end = 0) {
  Result<std::string> bytes = Env::Default()->ReadFile(path);
  ASSERT_TRUE(bytes.ok());
  ASSERT_GT(bytes->size(), from_end);
  (*bytes)[from_end ? bytes->size() - from_end : bytes->size() / 2] ^= 0x20;
  ASSERT_TRUE(Env::Default()->WriteFileAtomic(path, *bytes).ok());
}

TEST_F(EmbeddedStoreTest, ASegmentFoundCorruptStaysLeftOutAtTheNextStart) {
  {
    auto store = Open();
    EventBatch batch{"p", {}};
    for (int idx = 0; idx < 5000; ++idx) batch.events.push_back(Vital(kDay1 + idx, "LCP", idx));
    ASSERT_TRUE(store->Append(batch).ok());
    ASSERT_TRUE(store->Append({"p", {Vital(kDay2, "LCP", 1)}}).ok());
    ASSERT_TRUE(store->Close().ok());
  }
  std::vector<std::string> files = SegmentFiles();
  ASSERT_EQ(files.size(), 2u);
  std::sort(files.begin(), files.end());
  FlipAByte(files[0]);  // a block in the middle: the footer is intact, so Open accepts it
  {
    auto store = Open();
    EXPECT_EQ(store->Stats().corrupt_segments, 0u);
    // The background check (one segment a second) finds it.
    for (int tries = 0; tries < 100 && store->Stats().corrupt_segments == 0; ++tries) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_EQ(store->Stats().corrupt_segments, 1u);
    EXPECT_EQ(Samples(*store), 1);
  }
  auto store = Open();
  EXPECT_EQ(store->Stats().corrupt_segments, 1u);  // before any read
  EXPECT_EQ(Samples(*store), 1);
  EXPECT_TRUE(Env::Default()->FileExists(files[0]));
}

TEST_F(EmbeddedStoreTest, ACorruptManifestIsRecoveredFromItsCopy) {
  {
    auto store = Open();
    ASSERT_TRUE(store->Append({"p", {Vital(kDay1, "LCP", 1), Vital(kDay2, "LCP", 2)}}).ok());
    ASSERT_TRUE(store->Flush().ok());
    ASSERT_TRUE(store->Append({"p", {Vital(kDay1, "LCP", 3)}}).ok());  // left in the WAL
    std::filesystem::copy(JoinPath(dir_.path(), "default"), JoinPath(dir_.path(), "crashed"),
                          std::filesystem::copy_options::recursive);
  }
  const std::string manifest = JoinPath(dir_.path(), "crashed/MANIFEST");
  FlipAByte(manifest);
  auto store = Open("crashed");
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(Samples(*store), 3);
  EXPECT_EQ(store->Stats().segments, 2u);
  EXPECT_TRUE(Env::Default()->FileExists(manifest + ".corrupt"));  // kept for the operator
  ASSERT_TRUE(store->Close().ok());
  store.reset();
  EXPECT_EQ(Samples(*Open("crashed")), 3);  // the recovered manifest was written back
}

TEST_F(EmbeddedStoreTest, WithBothManifestsCorruptTheListIsRebuiltFromTheSegmentFiles) {
  {
    auto store = Open();
    ASSERT_TRUE(store->Append({"p", {Vital(kDay1, "LCP", 1), Vital(kDay2, "LCP", 2)}}).ok());
    ASSERT_TRUE(store->Append({"q", {Vital(kDay1, "LCP", 9)}}).ok());
    ASSERT_TRUE(store->Flush().ok());
    ASSERT_TRUE(store->Append({"p", {Vital(kDay1, "LCP", 3)}}).ok());  // left in the WAL
    std::filesystem::copy(JoinPath(dir_.path(), "default"), JoinPath(dir_.path(), "crashed"),
                          std::filesystem::copy_options::recursive);
  }
  const std::string manifest = JoinPath(dir_.path(), "crashed/MANIFEST");
  FlipAByte(manifest);
  FlipAByte(manifest + ".copy");
  std::vector<std::string> segments;
  for (const std::string& file : SegmentFiles()) {
    if (file.find("/crashed/") != std::string::npos) segments.push_back(file);
  }
  ASSERT_EQ(segments.size(), 3u);
  std::sort(segments.begin(), segments.end());
  FlipAByte(segments.back(), 20);  // q's segment, whose footer now fails its checksum
  auto crashed_segments = [&] {
    size_t n = 0;
    for (const std::string& file : SegmentFiles()) n += file.find("/crashed/") != std::string::npos;
    return n;
  };
  {
    auto store = Open("crashed");
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(Samples(*store), 3);  // p's two segments and the WAL, once each
    EXPECT_EQ(store->Stats().segments, 2u);
    EXPECT_EQ(store->Stats().corrupt_segments, 1u);
    EXPECT_EQ(crashed_segments(), 3u);  // the corrupt one kept on disk, listed
    // New segments get ids the old ones do not have.
    ASSERT_TRUE(store->Append({"p", {Vital(kDay1, "LCP", 4)}}).ok());
    ASSERT_TRUE(store->Flush().ok());
    EXPECT_EQ(crashed_segments(), 4u);
    EXPECT_EQ(Samples(*store), 4);
  }
  auto store = Open("crashed");
  EXPECT_EQ(Samples(*store), 4);
  EXPECT_EQ(store->Stats().corrupt_segments, 1u);
}

TEST_F(EmbeddedStoreTest, ALargeFlushIsSplitIntoBoundedSegments) {
  auto store = Open();
  EventBatch batch{"p", {}};
  for (int idx = 0; idx < 70000; ++idx) batch.events.push_back(Vital(kDay1 + idx, "LCP", idx));
  ASSERT_TRUE(store->Append(batch).ok());
  ASSERT_TRUE(store->Flush().ok());
  EXPECT_EQ(store->Stats().segments, 2u);  // 65536 rows, then the rest
  EXPECT_EQ(Samples(*store), 70000);
}

TEST_F(EmbeddedStoreTest, AParallelScanVisitsEveryRowOnceAndStopsAtAnError) {
  auto store = Open();
  double expected_sum = 0;
  for (int day = 0; day < 6; ++day) {
    EventBatch batch{"p", {}};
    for (int idx = 0; idx < 1000; ++idx) {
      batch.events.push_back(Vital(kDay1 + day * 86400000LL + idx, "LCP", day * 1000 + idx));
      expected_sum += day * 1000 + idx;
    }
    ASSERT_TRUE(store->Append(batch).ok());
  }
  ASSERT_TRUE(store->Flush().ok());
  ASSERT_TRUE(store->Append({"p", {Vital(kDay1 + 5, "LCP", 0.5)}}).ok());  // in the memtable
  expected_sum += 0.5;
  ASSERT_EQ(store->Stats().segments, 6u);

  ScanSpec spec;
  spec.project = "p";
  spec.from_ms = 0;
  spec.to_ms = INT64_MAX;
  spec.columns.set(static_cast<size_t>(ColumnId::value));
  constexpr size_t kWorkers = 3;
  std::array<std::atomic<int>, kWorkers> busy{};
  std::array<double, kWorkers> sums{};
  std::atomic<bool> overlapped{false};
  Status status = store->ScanParallel(spec, kWorkers, [&](size_t worker, const ColumnBatch& b) {
    if (worker >= kWorkers) return Status::InvalidArgument("worker out of range");
    if (busy[worker]++ != 0) overlapped = true;
    for (double v : b.col(ColumnId::value).doubles) sums[worker] += v;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    --busy[worker];
    return Status::Ok();
  });
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_FALSE(overlapped);
  EXPECT_EQ(sums[0] + sums[1] + sums[2], expected_sum);
  EXPECT_GT(std::count_if(sums.begin(), sums.end(), [](double s) { return s > 0; }), 1);

  std::atomic<int> visited{0};
  status = store->ScanParallel(spec, kWorkers, [&](size_t, const ColumnBatch&) {
    return ++visited == 2 ? Status::IOError("stop here") : Status::Ok();
  });
  EXPECT_EQ(status.ToString(), Status::IOError("stop here").ToString());
  EXPECT_LE(visited.load(), 1 + static_cast<int>(kWorkers));  // each stops at its next batch
}

TEST_F(EmbeddedStoreTest, FlushingByBytesKeepsTheMemtableBounded) {
  EmbeddedStoreOptions options;
  options.dir = JoinPath(dir_.path(), "default");
  options.flush_bytes = 64 * 1024;
  auto store = *EmbeddedStore::Open(Env::Default(), &logger_, &metrics_, options);
  for (int idx = 0; idx < 5000; ++idx) {
    ASSERT_TRUE(store->Append({"p", {Vital(kDay1 + idx, "LCP", idx)}}).ok());
  }
  // The flusher wakes on the threshold; give it a moment.
  for (int wait = 0; wait < 100 && store->Stats().segments == 0; ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_GT(store->Stats().segments, 0u);
  EXPECT_EQ(Samples(*store), 5000);
}

}  // namespace
}  // namespace sightline
