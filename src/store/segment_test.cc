#include "store/segment.h"

#include <gtest/gtest.h>

#include "store/test_util.h"

namespace sightline {
namespace {

ColumnBatch MakeBatch(size_t rows) {
  ColumnBatchBuilder builder;
  for (size_t row = 0; row < rows; ++row) {
    Event e = Vital(1795806000000 + static_cast<int64_t>(row) * 37, row % 2 ? "LCP" : "CLS",
                    static_cast<double>(row) * 1.5, "r" + std::to_string(row % 3));
    if (row % 5 == 0) e.line = static_cast<int64_t>(row);
    builder.Add(e);
  }
  return builder.Finish();
}

TEST(SegmentTest, WriteThenReadGivesTheSameColumns) {
  TempDir dir;
  std::string path = JoinPath(dir.path(), "1.seg");
  ColumnBatch batch = MakeBatch(1000);
  Result<SegmentInfo> info = WriteSegment(Env::Default(), path, batch);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->rows, 1000u);
  EXPECT_EQ(info->min_ts, 1795806000000);
  EXPECT_EQ(info->max_ts, 1795806000000 + 999 * 37);

  auto reader = SegmentReader::Open(Env::Default(), path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ColumnSet wanted;
  wanted.set(static_cast<size_t>(ColumnId::ts));
  wanted.set(static_cast<size_t>(ColumnId::release));
  wanted.set(static_cast<size_t>(ColumnId::value));
  wanted.set(static_cast<size_t>(ColumnId::line));
  Result<ColumnBatch> read = (*reader)->ReadColumns(wanted);
  ASSERT_TRUE(read.ok());
  EXPECT_FALSE(read->has(ColumnId::name));  // projection: only what was asked for
  for (size_t row = 0; row < 1000; ++row) {
    EXPECT_EQ(read->col(ColumnId::ts).ints[row], batch.col(ColumnId::ts).ints[row]);
    EXPECT_EQ(read->col(ColumnId::release).str(row), batch.col(ColumnId::release).str(row));
    EXPECT_EQ(read->col(ColumnId::value).doubles[row], row * 1.5);
    EXPECT_EQ(read->col(ColumnId::line).ints[row],
              row % 5 == 0 ? static_cast<int64_t>(row) : kNullInt);
  }
  EXPECT_TRUE((*reader)->Verify().ok());
}

TEST(SegmentTest, AFlippedByteAnywhereIsReportedAsCorruption) {
  TempDir dir;
  std::string path = JoinPath(dir.path(), "1.seg");
  ASSERT_TRUE(WriteSegment(Env::Default(), path, MakeBatch(200)).ok());
  std::string original = *Env::Default()->ReadFile(path);
  for (size_t pos = 0; pos < original.size(); pos += 7) {
    std::string damaged = original;
    damaged[pos] ^= 0x10;
    ASSERT_TRUE(Env::Default()->WriteFileAtomic(path, damaged).ok());
    auto reader = SegmentReader::Open(Env::Default(), path);
    Status status = reader.ok() ? (*reader)->Verify() : reader.status();
    EXPECT_FALSE(status.ok()) << "byte " << pos << " flipped and not detected";
    EXPECT_EQ(status.code(), Status::Code::kCorruption) << status.ToString();
  }
}

}  // namespace
}  // namespace sightline
