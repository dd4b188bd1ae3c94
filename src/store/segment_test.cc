#include "store/segment.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include <map>
#include <tuple>

#include "store/coding.h"
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
  // Rows come back sorted by (type, name, ts): CLS first, then LCP; each by time.
  std::vector<size_t> expected_order;
  for (size_t row = 0; row < 1000; row += 2) expected_order.push_back(row);  // CLS
  for (size_t row = 1; row < 1000; row += 2) expected_order.push_back(row);  // LCP
  for (size_t i = 0; i < 1000; ++i) {
    const size_t row = expected_order[i];
    EXPECT_EQ(read->col(ColumnId::ts).ints[i], batch.col(ColumnId::ts).ints[row]);
    EXPECT_EQ(read->col(ColumnId::release).str(i), batch.col(ColumnId::release).str(row));
    EXPECT_EQ(read->col(ColumnId::value).doubles[i], row * 1.5);
    EXPECT_EQ(read->col(ColumnId::line).ints[i],
              row % 5 == 0 ? static_cast<int64_t>(row) : kNullInt);
  }
  EXPECT_TRUE((*reader)->Verify().ok());
}

TEST(SegmentTest, RowGroupsHoldOneTypeAndNameAndReadsSkipTheOthers) {
  TempDir dir;
  std::string path = JoinPath(dir.path(), "1.seg");
  ColumnBatchBuilder builder;
  // More LCPs than one group holds, some CLS, and page views without a name, interleaved.
  const size_t lcps = kRowGroupRows + 10;
  for (size_t i = 0; i < lcps; ++i) {
    builder.Add(Vital(1795806000000 + static_cast<int64_t>(lcps - i), "LCP", 1.0 * i));
    if (i % 100 == 0) builder.Add(Vital(1795806000000 + static_cast<int64_t>(i), "CLS", 0.1));
    if (i % 1000 == 0) {
      Event view;
      view.ts = 1795806000000 + static_cast<int64_t>(i);
      view.type = "page_view";
      builder.Add(view);
    }
  }
  ASSERT_TRUE(WriteSegment(Env::Default(), path, builder.Finish()).ok());
  auto reader = SegmentReader::Open(Env::Default(), path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ(*(*reader)->row_groups(), 4u);  // page views; CLS; LCP in two

  ColumnSet columns;
  columns.set(static_cast<size_t>(ColumnId::ts));
  columns.set(static_cast<size_t>(ColumnId::type));
  columns.set(static_cast<size_t>(ColumnId::name));
  auto rows_of = [&](RowGroupFilter filter) {
    std::map<std::string, size_t> rows;
    Result<ColumnBatch> batch = (*reader)->ReadRows(columns, filter);
    EXPECT_TRUE(batch.ok());
    int64_t previous_ts = 0;
    std::string previous_key;
    for (size_t row = 0; batch.ok() && row < batch->rows; ++row) {
      std::string key = std::string(batch->col(ColumnId::type).str(row)) + "/" +
                        std::string(batch->col(ColumnId::name).str(row));
      ++rows[key];
      const int64_t ts = batch->col(ColumnId::ts).ints[row];
      if (key == previous_key) EXPECT_GE(ts, previous_ts) << key;  // by time within a group
      previous_ts = ts;
      previous_key = key;
    }
    return rows;
  };
  EXPECT_EQ(rows_of({{"vital"}, {"LCP"}}), (std::map<std::string, size_t>{{"vital/LCP", lcps}}));
  EXPECT_EQ(rows_of({{"vital"}, {}}),
            (std::map<std::string, size_t>{{"vital/CLS", 656}, {"vital/LCP", lcps}}));
  EXPECT_EQ(rows_of({{"page_view"}, {}}), (std::map<std::string, size_t>{{"page_view/", 66}}));
  EXPECT_EQ(rows_of({}).size(), 3u);
}

// A file of footer version 1 (every row in one block per column, unsorted), as written before row
// groups, built by hand from the documented layout: it still reads.
TEST(SegmentTest, VersionOneFilesStillRead) {
  // Two columns: ts (zigzag deltas) and name (its own dictionary, then ids).
  std::vector<int64_t> ts = {30, 10, 20};
  std::string ts_raw, name_raw;
  int64_t previous = 0;
  for (int64_t v : ts) {
    PutVarint64(&ts_raw, ZigZag(v - previous));
    previous = v;
  }
  PutVarint64(&name_raw, 3);
  for (const char* entry : {"", "LCP", "CLS"}) PutLengthPrefixed(&name_raw, entry);
  for (int id : {1, 2, 1}) PutVarint64(&name_raw, id);
  std::string file = "SLSEG001";
  std::string entries;
  for (auto [column, kind, raw] : {std::tuple("ts", ColumnKind::kInt64, ts_raw),
                                   std::tuple("name", ColumnKind::kString, name_raw)}) {
    std::string block(ZSTD_compressBound(raw.size()), '\0');
    block.resize(ZSTD_compress(block.data(), block.size(), raw.data(), raw.size(), 1));
    PutLengthPrefixed(&entries, column);
    entries.push_back(static_cast<char>(kind));
    PutVarint64(&entries, file.size());
    PutVarint64(&entries, block.size());
    PutVarint64(&entries, raw.size());
    PutFixed32(&entries, Crc32(block));
    file += block;
  }
  std::string footer;
  PutVarint64(&footer, 1);  // version
  PutVarint64(&footer, ts.size());
  PutVarint64(&footer, ZigZag(10));
  PutVarint64(&footer, ZigZag(30));
  PutVarint64(&footer, 2);  // columns
  footer += entries;
  file += footer;
  PutFixed32(&file, static_cast<uint32_t>(footer.size()));
  PutFixed32(&file, Crc32(footer));
  file += "SLSEGEND";
  TempDir dir;
  std::string path = JoinPath(dir.path(), "old.seg");
  ASSERT_TRUE(Env::Default()->WriteFileAtomic(path, file).ok());
  auto reader = SegmentReader::Open(Env::Default(), path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ColumnSet columns;
  columns.set(static_cast<size_t>(ColumnId::ts));
  columns.set(static_cast<size_t>(ColumnId::name));
  columns.set(static_cast<size_t>(ColumnId::type));
  // A version 1 group's type is unknown: every filter reads it, rows in the order written.
  Result<ColumnBatch> batch = (*reader)->ReadRows(columns, {{"vital"}, {"LCP"}});
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(batch->rows, 3u);
  EXPECT_EQ(batch->col(ColumnId::ts).ints, ts);
  EXPECT_EQ(batch->col(ColumnId::name).str(0), "LCP");
  EXPECT_EQ(batch->col(ColumnId::name).str(1), "CLS");
  EXPECT_EQ(batch->col(ColumnId::name).str(2), "LCP");
  EXPECT_EQ(batch->col(ColumnId::type).str(0), "");  // absent in the file: null
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
