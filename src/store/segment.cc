#include "store/segment.h"

#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>

#include "store/coding.h"

namespace sightline {
namespace {

constexpr std::string_view kHeadMagic = "SLSEG001";
constexpr std::string_view kTailMagic = "SLSEGEND";
constexpr uint64_t kFooterVersion = 1;
constexpr size_t kTrailerSize = 4 + 4 + 8;

// `scratch` has room for `rows` varints.
void EncodeColumn(const Column& col, ColumnKind kind, size_t rows, char* scratch,
                  std::string* out) {
  char* p = scratch;
  switch (kind) {
    case ColumnKind::kInt64: {
      int64_t prev = 0;
      for (size_t row = 0; row < rows; ++row) {
        // Wrapping subtraction: the delta of kNullInt and a value must not overflow.
        uint64_t delta = static_cast<uint64_t>(col.ints[row]) - static_cast<uint64_t>(prev);
        p = EncodeVarint64(p, ZigZag(static_cast<int64_t>(delta)));
        prev = col.ints[row];
      }
      out->append(scratch, p);
      break;
    }
    case ColumnKind::kDouble:
      out->append(reinterpret_cast<const char*>(col.doubles.data()), rows * sizeof(double));
      break;
    case ColumnKind::kString:
      PutVarint64(out, col.dict.size());
      for (const std::string& entry : col.dict) PutLengthPrefixed(out, entry);
      for (size_t row = 0; row < rows; ++row) p = EncodeVarint64(p, col.ids[row]);
      out->append(scratch, p);
      break;
  }
}

bool DecodeColumn(std::string_view in, ColumnKind kind, size_t rows, Column* col) {
  switch (kind) {
    case ColumnKind::kInt64: {
      col->ints.resize(rows);
      uint64_t prev = 0;
      for (size_t row = 0; row < rows; ++row) {
        uint64_t raw;
        if (!GetVarint64(&in, &raw)) return false;
        prev += static_cast<uint64_t>(UnZigZag(raw));
        col->ints[row] = static_cast<int64_t>(prev);
      }
      return in.empty();
    }
    case ColumnKind::kDouble:
      if (in.size() != rows * sizeof(double)) return false;
      col->doubles.resize(rows);
      std::memcpy(col->doubles.data(), in.data(), in.size());
      return true;
    case ColumnKind::kString: {
      uint64_t dict_size;
      if (!GetVarint64(&in, &dict_size) || dict_size == 0 || dict_size > in.size() + 1)
        return false;
      col->dict.resize(dict_size);
      for (std::string& entry : col->dict) {
        std::string_view s;
        if (!GetLengthPrefixed(&in, &s)) return false;
        entry.assign(s);
      }
      col->ids.resize(rows);
      for (size_t row = 0; row < rows; ++row) {
        uint64_t id;
        if (!GetVarint64(&in, &id) || id >= dict_size) return false;
        col->ids[row] = static_cast<uint32_t>(id);
      }
      return in.empty();
    }
  }
  return false;
}

void FillNull(ColumnKind kind, size_t rows, Column* col) {
  switch (kind) {
    case ColumnKind::kInt64:
      col->ints.assign(rows, kNullInt);
      break;
    case ColumnKind::kDouble:
      col->doubles.assign(rows, kNullDouble);
      break;
    case ColumnKind::kString:
      col->dict.assign(1, "");
      col->ids.assign(rows, 0);
      break;
  }
}

}  // namespace

Result<SegmentInfo> WriteSegment(Env* env, const std::string& path, const ColumnBatch& batch,
                                 int zstd_level) {
  std::string file(kHeadMagic);
  std::string footer;
  SegmentInfo info;
  info.rows = batch.rows;
  const Column& ts = batch.col(ColumnId::ts);
  if (batch.rows > 0) {
    auto [lo, hi] = std::minmax_element(ts.ints.begin(), ts.ints.end());
    info.min_ts = *lo;
    info.max_ts = *hi;
  }
  PutVarint64(&footer, kFooterVersion);
  PutVarint64(&footer, info.rows);
  PutVarint64(&footer, ZigZag(info.min_ts));
  PutVarint64(&footer, ZigZag(info.max_ts));
  PutVarint64(&footer, kNumColumns);
  std::string raw;
  std::unique_ptr<char[]> scratch(new char[batch.rows * kMaxVarint64Bytes + 1]);
  // Uninitialised, unlike a std::string resized to the bound: zeroing it per column would cost
  // as much as copying the column.
  std::unique_ptr<char[]> compressed;
  size_t compressed_capacity = 0;
  // One compression context for all the columns (ZSTD_compress would set one up per call).
  std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> cctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
  if (!cctx) return Status::IOError("zstd: cannot create a compression context");
  for (size_t col_idx = 0; col_idx < kNumColumns; ++col_idx) {
    raw.clear();
    EncodeColumn(batch.columns[col_idx], kColumns[col_idx].kind, batch.rows, scratch.get(), &raw);
    const size_t bound = ZSTD_compressBound(raw.size());
    if (bound > compressed_capacity) {
      compressed.reset(new char[bound]);
      compressed_capacity = bound;
    }
    size_t n = ZSTD_compressCCtx(cctx.get(), compressed.get(), compressed_capacity, raw.data(),
                                 raw.size(), zstd_level);
    if (ZSTD_isError(n)) return Status::IOError(std::string("zstd: ") + ZSTD_getErrorName(n));
    const std::string_view block(compressed.get(), n);
    PutLengthPrefixed(&footer, kColumns[col_idx].name);
    footer.push_back(static_cast<char>(kColumns[col_idx].kind));
    PutVarint64(&footer, file.size());
    PutVarint64(&footer, block.size());
    PutVarint64(&footer, raw.size());
    PutFixed32(&footer, Crc32(block));
    file.append(block);
  }
  file.append(footer);
  PutFixed32(&file, static_cast<uint32_t>(footer.size()));
  PutFixed32(&file, Crc32(footer));
  file.append(kTailMagic);
  SL_RETURN_IF_ERROR(env->WriteFileAtomic(path, file));
  info.file_bytes = file.size();
  return info;
}

Result<std::unique_ptr<SegmentReader>> SegmentReader::Open(Env* env, const std::string& path) {
  Result<std::unique_ptr<RandomAccessFile>> file = env->OpenRead(path);
  if (!file.ok()) return file.status();
  std::unique_ptr<SegmentReader> reader(new SegmentReader());
  reader->file_ = std::move(file).value();
  const uint64_t size = reader->file_->size();
  auto corrupt = [&](std::string_view what) {
    return Status::Corruption(path + ": " + std::string(what));
  };
  if (size < kHeadMagic.size() + kTrailerSize) return corrupt("too short for a segment");
  std::string trailer;
  SL_RETURN_IF_ERROR(reader->file_->Read(size - kTrailerSize, kTrailerSize, &trailer));
  std::string_view t = trailer;
  uint32_t footer_len, footer_crc;
  GetFixed32(&t, &footer_len);
  GetFixed32(&t, &footer_crc);
  if (t != kTailMagic) return corrupt("bad trailing magic");
  if (footer_len > size - kHeadMagic.size() - kTrailerSize) return corrupt("bad footer length");
  std::string footer;
  SL_RETURN_IF_ERROR(reader->file_->Read(size - kTrailerSize - footer_len, footer_len, &footer));
  if (Crc32(footer) != footer_crc) return corrupt("footer checksum mismatch");
  std::string head;
  SL_RETURN_IF_ERROR(reader->file_->Read(0, kHeadMagic.size(), &head));
  if (head != kHeadMagic) return corrupt("bad leading magic");

  std::string_view in = footer;
  uint64_t version, rows, min_ts, max_ts, ncols;
  if (!GetVarint64(&in, &version) || version != kFooterVersion || !GetVarint64(&in, &rows) ||
      !GetVarint64(&in, &min_ts) || !GetVarint64(&in, &max_ts) || !GetVarint64(&in, &ncols)) {
    return corrupt("bad footer header");
  }
  reader->info_ = {rows, UnZigZag(min_ts), UnZigZag(max_ts), size};
  const uint64_t data_end = size - kTrailerSize - footer_len;
  for (uint64_t idx = 0; idx < ncols; ++idx) {
    std::string_view name;
    ColumnEntry entry;
    if (!GetLengthPrefixed(&in, &name) || in.empty()) return corrupt("bad column entry");
    entry.kind = static_cast<ColumnKind>(in.front());
    in.remove_prefix(1);
    if (!GetVarint64(&in, &entry.offset) || !GetVarint64(&in, &entry.size) ||
        !GetVarint64(&in, &entry.raw_size) || !GetFixed32(&in, &entry.crc)) {
      return corrupt("bad column entry");
    }
    if (entry.offset < kHeadMagic.size() || entry.offset > data_end ||
        entry.size > data_end - entry.offset) {
      return corrupt("column block out of bounds");
    }
    ColumnId id;
    if (!FindColumn(name, &id)) continue;  // a column this build does not know: skip
    if (kColumns[static_cast<size_t>(id)].kind != entry.kind)
      return corrupt("column kind mismatch");
    entry.present = true;
    reader->entries_[static_cast<size_t>(id)] = entry;
  }
  return reader;
}

Status SegmentReader::ReadBlock(size_t col_idx, std::string* raw) const {
  const ColumnEntry& entry = entries_[col_idx];
  std::string block;
  SL_RETURN_IF_ERROR(file_->Read(entry.offset, entry.size, &block));
  if (Crc32(block) != entry.crc) {
    return Status::Corruption(file_->path() + ": checksum mismatch in column " +
                              std::string(kColumns[col_idx].name));
  }
  // raw_size comes from a checksummed footer; still cap it to refuse absurd allocations.
  if (entry.raw_size > (uint64_t{1} << 34)) return Status::Corruption(file_->path() + ": bad size");
  raw->resize(entry.raw_size);
  size_t n = ZSTD_decompress(raw->data(), raw->size(), block.data(), block.size());
  if (ZSTD_isError(n) || n != entry.raw_size) {
    return Status::Corruption(file_->path() + ": cannot decompress column " +
                              std::string(kColumns[col_idx].name));
  }
  return Status::Ok();
}

Result<ColumnBatch> SegmentReader::ReadColumns(ColumnSet columns) const {
  ColumnBatch batch;
  batch.rows = info_.rows;
  batch.present = columns;
  std::string raw;
  for (size_t col_idx = 0; col_idx < kNumColumns; ++col_idx) {
    if (!columns.test(col_idx)) continue;
    Column& col = batch.columns[col_idx];
    if (!entries_[col_idx].present) {
      FillNull(kColumns[col_idx].kind, info_.rows, &col);
      continue;
    }
    SL_RETURN_IF_ERROR(ReadBlock(col_idx, &raw));
    if (!DecodeColumn(raw, kColumns[col_idx].kind, info_.rows, &col)) {
      return Status::Corruption(file_->path() + ": cannot decode column " +
                                std::string(kColumns[col_idx].name));
    }
  }
  return batch;
}

Status SegmentReader::Verify() const {
  Result<ColumnBatch> all = ReadColumns(AllColumns());
  return all.ok() ? Status::Ok() : all.status();
}

}  // namespace sightline
