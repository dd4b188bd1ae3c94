// ColumnBatch: events in columnar form, the unit that scans hand to aggregation.
//
// A batch holds the columns a scan asked for (`present`); every present column has `rows` values.
// Strings are dictionary-encoded: `ids[row]` indexes `dict`, and dict[0] is always the empty
// string (null). A batch owns its data; it is not thread-safe to mutate, safe to read from many.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/event.h"
#include "store/string_interner.h"

namespace sightline {

struct Column {
  std::vector<int64_t> ints;      // kInt64
  std::vector<double> doubles;    // kDouble
  std::vector<uint32_t> ids;      // kString: index into dict
  std::vector<std::string> dict;  // kString: dict[0] == ""

  std::string_view str(size_t row) const { return dict[ids[row]]; }
};

struct ColumnBatch {
  size_t rows = 0;
  std::bitset<kNumColumns> present;
  std::array<Column, kNumColumns> columns;

  const Column& col(ColumnId id) const { return columns[static_cast<size_t>(id)]; }
  bool has(ColumnId id) const { return present.test(static_cast<size_t>(id)); }
};

using ColumnSet = std::bitset<kNumColumns>;
inline ColumnSet AllColumns() { return ColumnSet().set(); }

// Builds a ColumnBatch of the columns in `columns` from events, one at a time: either whole
// Events (Add) or value by value (Put* for the row's non-null columns, each at most once, then
// EndRow), which lets a decoder fill columns without materialising Events. A column not put in a
// row is null there, so a row costs only its non-null values: the columns are filled up with
// nulls when a later value or Finish() needs it. Put* of a null value or of a column outside
// `columns` is a no-op. Cost: one hash lookup per non-null string that differs from the value
// above it in its column.
class ColumnBatchBuilder {
 public:
  explicit ColumnBatchBuilder(ColumnSet columns = AllColumns());
  void Add(const Event& event);
  void PutInt(size_t col_idx, int64_t v) {
    if (v == kNullInt || !columns_.test(col_idx)) return;
    std::vector<int64_t>& ints = batch_.columns[col_idx].ints;
    ints.resize(batch_.rows, kNullInt);
    ints.push_back(v);
  }
  void PutDouble(size_t col_idx, double v) {
    if (std::isnan(v) || !columns_.test(col_idx)) return;
    std::vector<double>& doubles = batch_.columns[col_idx].doubles;
    doubles.resize(batch_.rows, kNullDouble);
    doubles.push_back(v);
  }
  void PutString(size_t col_idx, std::string_view v);  // "" is null
  // Puts the string column's value of the row above, with no compare and no hashing. Returns
  // false (and puts nothing) when that value is null or there is no row above.
  bool PutStringAsAbove(size_t col_idx) {
    if (!columns_.test(col_idx)) return true;
    std::vector<uint32_t>& ids = batch_.columns[col_idx].ids;
    if (batch_.rows == 0 || ids.size() != batch_.rows || ids.back() == 0) return false;
    ids.push_back(ids.back());
    return true;
  }
  void EndRow() { ++batch_.rows; }
  // Appends every row of `batch`; a column the builder has and `batch` lacks is null there. Cost:
  // one hash lookup per distinct string of each column, not per row.
  void AppendBatch(const ColumnBatch& batch);
  // Makes room for `rows` rows in every column (a hint: no copying while the columns grow).
  void Reserve(size_t rows);
  size_t rows() const { return batch_.rows; }
  // Returns the batch and leaves the builder empty (ready for reuse with the same columns).
  ColumnBatch Finish();

 private:
  void Reset();

  ColumnSet columns_;
  ColumnBatch batch_;
  std::array<StringInterner, kNumColumns> interners_;  // of the string columns' dictionaries
};

}  // namespace sightline
