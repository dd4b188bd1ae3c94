// Segment files: immutable columnar files holding the events of one project and one UTC day.
//
// Layout (docs/storage-format.md has it byte by byte):
//   "SLSEG001" | column block* | footer | fixed32 footer_len | fixed32 crc(footer) | "SLSEGEND"
// Each column block is a zstd frame of the column's encoding (int64: zigzag varint deltas;
// double: fixed64; string: dictionary then varint ids). The footer lists, per column, its name,
// kind, offset, sizes and the CRC-32 of the block, plus the row count and the min/max timestamp.
//
// WriteSegment replaces `path` atomically and durably (fsync, rename, fsync dir).
// SegmentReader::Open checks the footer; ReadColumns checks each block's CRC it reads and returns
// Corruption on any mismatch, so a damaged file is reported, never trusted. Readers are
// thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/env.h"
#include "common/status.h"
#include "store/column_batch.h"

namespace sightline {

struct SegmentInfo {
  uint64_t rows = 0;
  int64_t min_ts = 0;
  int64_t max_ts = 0;
  uint64_t file_bytes = 0;
};

// Writes `batch` (all columns present) to `path` and fsyncs it. `zstd_level` trades CPU for size.
Result<SegmentInfo> WriteSegment(Env* env, const std::string& path, const ColumnBatch& batch,
                                 int zstd_level = 1);

class SegmentReader {
 public:
  static Result<std::unique_ptr<SegmentReader>> Open(Env* env, const std::string& path);

  const SegmentInfo& info() const { return info_; }
  // Decodes the requested columns (those the file lacks come back as nulls, so files written before
  // a column was added stay readable). Errors: Corruption, IOError.
  Result<ColumnBatch> ReadColumns(ColumnSet columns) const;
  // Reads and checks every block. Errors: Corruption naming the column.
  Status Verify() const;

 private:
  struct ColumnEntry {
    bool present = false;
    ColumnKind kind = ColumnKind::kInt64;
    uint64_t offset = 0, size = 0, raw_size = 0;
    uint32_t crc = 0;
  };
  SegmentReader() = default;
  Status ReadBlock(size_t col_idx, std::string* raw) const;

  std::unique_ptr<RandomAccessFile> file_;
  SegmentInfo info_;
  std::array<ColumnEntry, kNumColumns> entries_;
};

}  // namespace sightline
