#include "store/column_batch.h"

namespace sightline {

ColumnBatchBuilder::ColumnBatchBuilder(ColumnSet columns) : columns_(columns) { Reset(); }

void ColumnBatchBuilder::Reset() {
  batch_ = ColumnBatch();
  batch_.present = columns_;
  for (size_t col_idx = 0; col_idx < kNumColumns; ++col_idx) {
    interners_[col_idx].Clear();
    if (columns_.test(col_idx) && kColumns[col_idx].kind == ColumnKind::kString) {
      batch_.columns[col_idx].dict.push_back("");
    }
  }
}

void ColumnBatchBuilder::PutString(size_t col_idx, std::string_view v) {
  if (v.empty() || !columns_.test(col_idx)) return;
  // The context columns repeat the value above (the events of one beacon share them): those need
  // no hashing.
  Column& col = batch_.columns[col_idx];
  uint32_t previous = col.ids.empty() ? 0 : col.ids.back();
  uint32_t id = previous != 0 && col.dict[previous] == v ? previous
                                                         : interners_[col_idx].Intern(v, &col.dict);
  col.ids.resize(batch_.rows, 0);
  col.ids.push_back(id);
}

namespace {

void Put(ColumnBatchBuilder* b, size_t col_idx, int64_t v) { b->PutInt(col_idx, v); }
void Put(ColumnBatchBuilder* b, size_t col_idx, double v) { b->PutDouble(col_idx, v); }
void Put(ColumnBatchBuilder* b, size_t col_idx, const std::string& v) { b->PutString(col_idx, v); }

}  // namespace

void ColumnBatchBuilder::Add(const Event& event) {
  size_t col_idx = 0;
#define SL_ADD(member, kind)        \
  Put(this, col_idx, event.member); \
  ++col_idx;
  SIGHTLINE_EVENT_COLUMNS(SL_ADD)
#undef SL_ADD
  EndRow();
}

void ColumnBatchBuilder::AppendBatch(const ColumnBatch& batch) {
  std::vector<uint32_t> id_of;  // per column: the batch's dictionary id -> ours (UINT32_MAX: new)
  for (size_t col_idx = 0; col_idx < kNumColumns; ++col_idx) {
    if (!columns_.test(col_idx) || !batch.present.test(col_idx)) continue;
    const Column& from = batch.columns[col_idx];
    Column& to = batch_.columns[col_idx];
    switch (kColumns[col_idx].kind) {
      case ColumnKind::kInt64:
        to.ints.resize(batch_.rows, kNullInt);
        to.ints.insert(to.ints.end(), from.ints.begin(), from.ints.end());
        break;
      case ColumnKind::kDouble:
        to.doubles.resize(batch_.rows, kNullDouble);
        to.doubles.insert(to.doubles.end(), from.doubles.begin(), from.doubles.end());
        break;
      case ColumnKind::kString:
        to.ids.resize(batch_.rows, 0);
        id_of.assign(from.dict.size(), UINT32_MAX);
        if (!id_of.empty()) id_of[0] = 0;
        for (uint32_t id : from.ids) {
          uint32_t& ours = id_of[id];
          if (ours == UINT32_MAX) ours = interners_[col_idx].Intern(from.dict[id], &to.dict);
          to.ids.push_back(ours);
        }
        break;
    }
  }
  batch_.rows += batch.rows;
}

void ColumnBatchBuilder::Reserve(size_t rows) {
  for (size_t col_idx = 0; col_idx < kNumColumns; ++col_idx) {
    if (!columns_.test(col_idx)) continue;
    Column& col = batch_.columns[col_idx];
    switch (kColumns[col_idx].kind) {
      case ColumnKind::kInt64:
        col.ints.reserve(rows);
        break;
      case ColumnKind::kDouble:
        col.doubles.reserve(rows);
        break;
      case ColumnKind::kString:
        col.ids.reserve(rows);
        break;
    }
  }
}

ColumnBatch ColumnBatchBuilder::Finish() {
  for (size_t col_idx = 0; col_idx < kNumColumns; ++col_idx) {
    if (!columns_.test(col_idx)) continue;
    Column& col = batch_.columns[col_idx];
    switch (kColumns[col_idx].kind) {
      case ColumnKind::kInt64:
        col.ints.resize(batch_.rows, kNullInt);
        break;
      case ColumnKind::kDouble:
        col.doubles.resize(batch_.rows, kNullDouble);
        break;
      case ColumnKind::kString:
        col.ids.resize(batch_.rows, 0);
        break;
    }
  }
  ColumnBatch out = std::move(batch_);
  Reset();
  return out;
}

}  // namespace sightline
