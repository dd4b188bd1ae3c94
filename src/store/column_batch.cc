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
  // Most columns of an event are null (they belong to other event types), and the context columns
  // repeat the previous row (the events of one beacon share them): neither needs hashing.
  Column& col = batch_.columns[col_idx];
  uint32_t id = 0;
  if (!v.empty()) {
    uint32_t previous = col.ids.empty() ? 0 : col.ids.back();
    id = previous != 0 && col.dict[previous] == v ? previous : Intern(col_idx, v);
  }
  col.ids.push_back(id);
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
