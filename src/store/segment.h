// Segment files: immutable columnar files holding the events of one project and one UTC day.
//
// Layout (docs/storage-format.md has it byte by byte):
//   "SLSEG001" | block* | footer | fixed32 footer_len | fixed32 crc(footer) | "SLSEGEND"
// Rows are sorted by (type, name, ts) and cut into row groups, each of one event type and name
// (one vital, say) and at most kRowGroupRows rows; each column of each group is a zstd frame of
// the column's encoding (int64: zigzag varint deltas; double: fixed64; string: varint ids into
// the column's dictionary, one zstd frame per segment). The footer lists the columns and the
// dictionaries' blocks, then per group its rows, ts range, type and name, and per column the
// block's offset, sizes and CRC-32. So a scan of one vital decompresses only that vital's groups.
// Files of footer version 1 (one group, unsorted, written before row groups) stay readable.
//
// WriteSegment replaces `path` atomically and durably (fsync, rename, fsync dir).
// SegmentReader::Open checks the footer; reads check each block's CRC and return Corruption on
// any mismatch, so a damaged file is reported, never trusted. Readers are thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/env.h"
#include "common/status.h"
#include "store/column_batch.h"
#include "store/open_file_cache.h"

namespace sightline {

inline constexpr size_t kRowGroupRows = 1 << 16;

struct SegmentInfo {
  uint64_t rows = 0;
  int64_t min_ts = 0;
  int64_t max_ts = 0;
  uint64_t file_bytes = 0;
};

// Writes `batch` (all columns present) to `path` and fsyncs it. `zstd_level` trades CPU for size.
Result<SegmentInfo> WriteSegment(Env* env, const std::string& path, const ColumnBatch& batch,
                                 int zstd_level = 1);

// Which row groups a read needs: by the group's event type and name. A group of unknown type
// (version 1 files) is always read.
struct RowGroupFilter {
  std::vector<std::string> types;        // empty: any
  std::vector<std::string> names;        // empty: any
  std::vector<std::string> named_types;  // the types `names` applies to; empty: every type
  bool Keeps(std::string_view type, std::string_view name) const;
};

class SegmentReader {
 public:
  // Reads the footer (checked by its checksum); every block is checked when it is read. With
  // `files`, the file is opened through it for each read (a bounded number stays open) and the
  // parsed footer lives with the open file (read and checked again when the file is reopened:
  // the footers in memory are bounded like the descriptors); without, the reader keeps both.
  static Result<std::unique_ptr<SegmentReader>> Open(Env* env, const std::string& path,
                                                     OpenFileCache* files = nullptr);

  const SegmentInfo& info() const { return info_; }
  // Errors: those of reading the footer again.
  Result<size_t> row_groups() const;
  // Decodes the requested columns of the rows of every row group `filter` keeps, in one batch
  // (columns the file lacks come back as nulls, so files written before a column was added stay
  // readable). Errors: Corruption, IOError.
  Result<ColumnBatch> ReadRows(ColumnSet columns, const RowGroupFilter& filter) const;
  // Every row of the requested columns.
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
  struct RowGroup {
    uint64_t rows = 0;
    int64_t min_ts = 0, max_ts = 0;
    bool known = false;  // type and name hold for every row (version 2)
    std::string type, name;
    std::array<ColumnEntry, kNumColumns> entries;
  };
  // What the footer says beyond SegmentInfo: immutable once parsed, shared by the reads.
  struct Footer {
    uint64_t version = 0;
    std::vector<RowGroup> groups;
    // Version 2: each string column's dictionary, shared by its blocks in every group.
    std::array<ColumnEntry, kNumColumns> dictionaries;
  };
  struct Opened {
    std::shared_ptr<RandomAccessFile> file;
    std::shared_ptr<const Footer> footer;
  };
  SegmentReader() = default;
  // Parses and checks the footer of `file` (the file at `path`), filling `info`.
  static Result<std::shared_ptr<const Footer>> ParseFooter(RandomAccessFile& file,
                                                           const std::string& path,
                                                           SegmentInfo* info);
  // The open file and its footer: from the cache (parsing the footer when the file was opened
  // anew) or the reader's own.
  Result<Opened> OpenFile() const;
  Status ReadBlock(RandomAccessFile& file, const ColumnEntry& entry, size_t col_idx,
                   std::string* raw) const;

  std::string path_;
  OpenFileCache* files_ = nullptr;  // borrowed; null: own_ instead
  Opened own_;                      // without a cache
  SegmentInfo info_;
};

}  // namespace sightline
