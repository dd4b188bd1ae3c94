// Rollups: the vitals of one segment pre-aggregated into cells, so that percentile queries merge
// a few sketches instead of scanning every value.
//
// A cell holds, for one vital (LCP, INP, ...), one time bucket and one tuple of dimension values
// (a grouping set below), a DDSketch of the values (weighted by 1/sample_rate; it also carries the
// exact weighted count, sum, min and max and the number of samples) and the weight in each of
// Google's bands (good / needs improvement / poor). A rollup file has, per vital and grouping set:
// - for the grouping sets of at most one dimension, a fine section: one cell per tuple per bucket
//   of `fine_ms` (1 minute for live data, 1 hour for data already days old when written), and
// - a span section: one cell per tuple for the whole segment (a segment is one UTC day at most),
//   which answers any query whose range holds the whole segment.
//
// Bounds (RollupLimits): per dimension, the `max_values` most frequent values keep their own
// cells and the rest fold into one "folded" value, so a section never answers a filter or group on
// a folded dimension (the segment is scanned instead); and at most `max_cells` fine cells per file
// besides those of the empty grouping set (one per bucket): past it, the section of most cells is
// dropped whole. The span sections have at most as many cells as the fine ones. Memory while
// building and bytes on disk are therefore bounded whatever the cardinality of route, release or
// city.
//
// File layout (docs/storage-format.md): "SLRUP001" | section* | index | fixed32 index_len |
// fixed32 crc(index) | "SLRUPEND". Each section is a zstd frame checked by the CRC-32 the index
// keeps. A rollup is derived data: a missing or damaged file is rebuilt from its segment.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/env.h"
#include "common/event.h"
#include "common/status.h"
#include "store/column_batch.h"
#include "store/ddsketch.h"
#include "store/open_file_cache.h"

namespace sightline {

// The dimension tuples cells are kept for, smallest first; a query is answered by the first set
// holding every dimension it filters or groups on.
const std::vector<std::vector<ColumnId>>& RollupGroupingSets();

// The columns a rollup is built from.
ColumnSet RollupColumns();

struct RollupLimits {
  size_t max_values = 1000;  // per dimension, per file
  size_t max_cells = 200000;
};

// The rollup file's bytes for the events of `batch` (one segment's rows; needs RollupColumns()).
std::string BuildRollup(const ColumnBatch& batch, int64_t fine_ms, const RollupLimits& limits);

struct RollupCell {
  int64_t bucket_start = 0;              // the span section: the section's base
  std::vector<std::string_view> values;  // one per dimension of the section
  uint32_t folded = 0;                   // bit i: values[i] stands for the folded values
  double bands[3] = {0, 0, 0};           // weight good / needs improvement / poor
  DDSketch sketch;
};

struct RollupSection {
  std::string metric;
  std::vector<ColumnId> dims;
  int64_t resolution_ms = 0;  // 0: the span section
  int64_t base_ms = 0;        // the first bucket's start
  uint32_t folded = 0;        // bit i: some cell folds values of dims[i]
  uint64_t cells = 0;
  uint64_t offset = 0, size = 0, raw_size = 0;
  uint32_t crc = 0;
};

// A rollup file's index: its sections. Immutable once parsed; shared by the reads.
struct RollupIndex {
  std::vector<RollupSection> sections;
  // The section of `metric` and exactly `dims` at `resolution_ms` (0: span), or null.
  const RollupSection* Find(std::string_view metric, const std::vector<ColumnId>& dims,
                            int64_t resolution_ms) const;
};

class RollupReader {
 public:
  // Reads and checks the index. With `files`, the file is opened through it for each read and the
  // parsed index lives with the open file (read and checked again when the file is reopened:
  // the indexes in memory are bounded like the descriptors); without, the reader keeps both.
  static Result<std::unique_ptr<RollupReader>> Open(Env* env, const std::string& path,
                                                    OpenFileCache* files = nullptr);

  // The sections; hold the result while using a section of it. Errors: Corruption, IOError.
  Result<std::shared_ptr<const RollupIndex>> Index() const;
  // Calls fn for each cell of `section` (of Index()), in bucket order. The cell's views live
  // until fn returns. Errors: Corruption, IOError.
  Status ReadCells(const RollupSection& section,
                   const std::function<void(const RollupCell&)>& fn) const;
  // Reads and checks every section.
  Status Verify() const;

 private:
  RollupReader() = default;

  static Result<std::shared_ptr<const RollupIndex>> ParseIndex(RandomAccessFile& file,
                                                               const std::string& path);
  Result<std::shared_ptr<RandomAccessFile>> File() const;

  std::string path_;
  OpenFileCache* files_ = nullptr;                // borrowed; null: own_file_ instead
  std::shared_ptr<RandomAccessFile> own_file_;    // without a cache
  std::shared_ptr<const RollupIndex> own_index_;  // likewise
};

// "<segment path without .seg>.rollup".
std::string RollupPathOf(const std::string& segment_path);

}  // namespace sightline
