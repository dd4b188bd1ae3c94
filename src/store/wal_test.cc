#include "store/wal.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>

#include "store/test_util.h"

namespace sightline {
namespace {

std::vector<std::string> ReplayAll(const std::string& path, WalReplayResult* result) {
  std::vector<std::string> records;
  Result<WalReplayResult> replay = ReplayWalFile(Env::Default(), path, [&](std::string_view r) {
    records.emplace_back(r);
    return Status::Ok();
  });
  EXPECT_TRUE(replay.ok());
  *result = *replay;
  return records;
}

TEST(WalTest, AppendedRecordsReplayInOrder) {
  TempDir dir;
  auto wal = Wal::Open(Env::Default(), dir.path(), 7);
  ASSERT_TRUE(wal.ok());
  ASSERT_TRUE((*wal)->Append("first").ok());
  ASSERT_TRUE((*wal)->Append(std::string(100000, 'x')).ok());
  ASSERT_TRUE((*wal)->Append("").ok());
  bool synced = false;
  ASSERT_TRUE((*wal)->Sync(&synced).ok());
  EXPECT_TRUE(synced);
  ASSERT_TRUE((*wal)->Sync(&synced).ok());
  EXPECT_FALSE(synced);  // nothing new: no fdatasync
  WalReplayResult result;
  auto records = ReplayAll(JoinPath(dir.path(), Wal::FileName(7)), &result);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0], "first");
  EXPECT_EQ(records[1].size(), 100000u);
  EXPECT_FALSE(result.torn_tail);
}

TEST(WalTest, FramingInPlaceWritesTheSameRecordAsFrame) {
  for (std::string payload : {std::string(), std::string("x"), std::string(5000, 'p')}) {
    std::string framed = "prefix";
    Wal::Frame(payload, &framed);
    std::string in_place = "prefix";
    in_place.append(Wal::kFrameHeaderBytes, '\0');
    in_place += payload;
    Wal::FrameInPlace(&in_place, 6);
    EXPECT_EQ(in_place, framed) << payload.size();
  }
}

TEST(WalTest, TornTailIsIgnoredAtEveryCutPoint) {
  TempDir dir;
  std::string path = JoinPath(dir.path(), Wal::FileName(1));
  {
    auto wal = Wal::Open(Env::Default(), dir.path(), 1);
    ASSERT_TRUE((*wal)->Append("aaaa").ok());
    ASSERT_TRUE((*wal)->Append("bbbbbbbb").ok());
  }
  Result<std::string> full = Env::Default()->ReadFile(path);
  const size_t first_record = 8 + 4;
  for (size_t cut = first_record; cut < full->size(); ++cut) {
    ASSERT_TRUE(Env::Default()->WriteFileAtomic(path, full->substr(0, cut)).ok());
    WalReplayResult result;
    auto records = ReplayAll(path, &result);
    ASSERT_EQ(records.size(), 1u) << cut;
    EXPECT_TRUE(result.torn_tail || cut == first_record);
    EXPECT_EQ(result.skipped_bytes, cut - first_record);
  }
}

TEST(WalTest, ACorruptRecordIsSkippedAndTheRecordsAfterItReplay) {
  TempDir dir;
  std::string path = JoinPath(dir.path(), Wal::FileName(1));
  {
    auto wal = Wal::Open(Env::Default(), dir.path(), 1);
    ASSERT_TRUE((*wal)->Append("aaaa").ok());
    ASSERT_TRUE((*wal)->Append("bbbb").ok());
    ASSERT_TRUE((*wal)->Append("cccc").ok());
  }
  std::string bytes = *Env::Default()->ReadFile(path);
  bytes[12 + 9] ^= 0x40;  // inside the second payload
  ASSERT_TRUE(Env::Default()->WriteFileAtomic(path, bytes).ok());
  WalReplayResult result;
  auto records = ReplayAll(path, &result);
  EXPECT_EQ(records, (std::vector<std::string>{"aaaa", "cccc"}));
  EXPECT_EQ(result.skipped_regions, 1u);
  EXPECT_EQ(result.skipped_bytes, 12u);
  EXPECT_FALSE(result.torn_tail);
}

// The shape a short write used to leave: part of a record, then whole records appended after it.
TEST(WalTest, ReplayResynchronisesAfterAPartialRecordInTheMiddle) {
  TempDir dir;
  std::string path = JoinPath(dir.path(), Wal::FileName(1));
  std::string first, torn, rest;
  Wal::Frame("aaaa", &first);
  Wal::Frame(std::string(300, 't'), &torn);
  Wal::Frame("bbbb", &rest);
  Wal::Frame(std::string(5000, 'c'), &rest);
  for (size_t cut : {size_t{1}, size_t{5}, size_t{8}, size_t{100}, torn.size() - 1}) {
    ASSERT_TRUE(Env::Default()->WriteFileAtomic(path, first + torn.substr(0, cut) + rest).ok());
    WalReplayResult result;
    auto records = ReplayAll(path, &result);
    ASSERT_EQ(records.size(), 3u) << cut;
    EXPECT_EQ(records[0], "aaaa");
    EXPECT_EQ(records[1], "bbbb");
    EXPECT_EQ(records[2].size(), 5000u);
    EXPECT_EQ(result.skipped_regions, 1u) << cut;
    EXPECT_EQ(result.skipped_bytes, cut) << cut;
    EXPECT_FALSE(result.torn_tail);
  }
}

// A write that fails part-way is cut back: the next append starts where the failed one did.
TEST(WalTest, AShortWriteIsCutBackBeforeTheNextAppend) {
  TempDir dir;
  auto wal = Wal::Open(Env::Default(), dir.path(), 1);
  ASSERT_TRUE((*wal)->Append("aaaa").ok());
  std::signal(SIGXFSZ, SIG_IGN);
  rlimit unlimited{}, limited{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &unlimited), 0);
  limited = unlimited;
  limited.rlim_cur = 12 + 20;  // the second record stops 20 bytes in
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &limited), 0);
  Status failed = (*wal)->Append(std::string(100, 'x'));
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &unlimited), 0);
  EXPECT_EQ(failed.code(), Status::Code::kIOError);
  ASSERT_TRUE((*wal)->Append("bbbb").ok());
  WalReplayResult result;
  auto records = ReplayAll(JoinPath(dir.path(), Wal::FileName((*wal)->current_seq())), &result);
  if ((*wal)->current_seq() == 1) {
    EXPECT_EQ(records, (std::vector<std::string>{"aaaa", "bbbb"}));
  } else {  // the file could not be cut back and appends moved on to the next one
    EXPECT_EQ(records, (std::vector<std::string>{"bbbb"}));
  }
  EXPECT_EQ(result.skipped_regions, 0u);
  EXPECT_FALSE(result.torn_tail);
}

TEST(WalTest, RotateStartsTheNextFile) {
  TempDir dir;
  auto wal = Wal::Open(Env::Default(), dir.path(), 3);
  ASSERT_TRUE((*wal)->Append("x").ok());
  Result<uint64_t> next = (*wal)->Rotate();
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, 4u);
  ASSERT_TRUE((*wal)->Append("y").ok());
  uint64_t seq;
  EXPECT_TRUE(Wal::ParseFileName(Wal::FileName(4), &seq));
  EXPECT_EQ(seq, 4u);
  EXPECT_FALSE(Wal::ParseFileName("wal-x.log", &seq));
  EXPECT_TRUE(Env::Default()->FileExists(JoinPath(dir.path(), Wal::FileName(4))));
}

}  // namespace
}  // namespace sightline
