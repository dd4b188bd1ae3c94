#include "store/column_batch.h"

namespace sightline {

ColumnBatchBuilder::ColumnBatchBuilder(ColumnSet columns) : columns_(columns) { Reset(); }

void ColumnBatchBuilder::Reset() {
  batch_ = ColumnBatch();
  batch_.present = columns_;
  for (size_t col_idx = 0; col_idx < kNumColumns; ++col_idx) {
    lookup_[col_idx].clear();
    if (columns_.test(col_idx) && kColumns[col_idx].kind == ColumnKind::kString) {
      batch_.columns[col_idx].dict.push_back("");
      lookup_[col_idx].emplace("", 0);
    }
  }
}

uint32_t ColumnBatchBuilder::Intern(size_t col_idx, const std::string& value) {
  auto [it, inserted] = lookup_[col_idx].try_emplace(
      value, static_cast<uint32_t>(batch_.columns[col_idx].dict.size()));
  if (inserted) batch_.columns[col_idx].dict.push_back(value);
  return it->second;
}

void ColumnBatchBuilder::AddValue(size_t col_idx, int64_t v) {
  batch_.columns[col_idx].ints.push_back(v);
}
void ColumnBatchBuilder::AddValue(size_t col_idx, double v) {
  batch_.columns[col_idx].doubles.push_back(v);
}
void ColumnBatchBuilder::AddValue(size_t col_idx, const std::string& v) {
  // Most columns of an event are null (they belong to other event types): no hashing for those.
  batch_.columns[col_idx].ids.push_back(v.empty() ? 0 : Intern(col_idx, v));
}

void ColumnBatchBuilder::Add(const Event& event) {
  size_t col_idx = 0;
#define SL_ADD(member, kind)                                   \
  if (columns_.test(col_idx)) AddValue(col_idx, event.member); \
  ++col_idx;
  SIGHTLINE_EVENT_COLUMNS(SL_ADD)
#undef SL_ADD
  ++batch_.rows;
}

ColumnBatch ColumnBatchBuilder::Finish() {
  ColumnBatch out = std::move(batch_);
  Reset();
  return out;
}

}  // namespace sightline
