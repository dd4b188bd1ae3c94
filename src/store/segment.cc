#include "store/segment.h"

#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <tuple>

#include "store/coding.h"

namespace sightline {
namespace {

constexpr std::string_view kHeadMagic = "SLSEG001";
constexpr std::string_view kTailMagic = "SLSEGEND";
constexpr uint64_t kFooterVersion = 2;
constexpr size_t kTrailerSize = 4 + 4 + 8;

// Encodes rows `order[0..n)` of `col`; `scratch` has room for n varints. A string column's rows
// are ids into the segment's dictionary of the column (EncodeDictionary).
void EncodeColumn(const Column& col, ColumnKind kind, const uint32_t* order, size_t n,
                  char* scratch, std::string* out) {
  char* p = scratch;
  switch (kind) {
    case ColumnKind::kInt64: {
      int64_t prev = 0;
      for (size_t i = 0; i < n; ++i) {
        const int64_t v = col.ints[order[i]];
        // Wrapping subtraction: the delta of kNullInt and a value must not overflow.
        uint64_t delta = static_cast<uint64_t>(v) - static_cast<uint64_t>(prev);
        p = EncodeVarint64(p, ZigZag(static_cast<int64_t>(delta)));
        prev = v;
      }
      out->append(scratch, p);
      break;
    }
    case ColumnKind::kDouble:
      for (size_t i = 0; i < n; ++i) {
        const double v = col.doubles[order[i]];
        out->append(reinterpret_cast<const char*>(&v), sizeof v);
      }
      break;
    case ColumnKind::kString:
      for (size_t i = 0; i < n; ++i) p = EncodeVarint64(p, col.ids[order[i]]);
      out->append(scratch, p);
      break;
  }
}

void EncodeDictionary(const std::vector<std::string>& dict, std::string* out) {
  PutVarint64(out, dict.size());
  for (const std::string& entry : dict) PutLengthPrefixed(out, entry);
}

bool DecodeDictionary(std::string_view* in, std::vector<std::string>* dict) {
  uint64_t size;
  if (!GetVarint64(in, &size) || size == 0 || size > in->size() + 1) return false;
  dict->resize(size);
  for (std::string& entry : *dict) {
    std::string_view s;
    if (!GetLengthPrefixed(in, &s)) return false;
    entry.assign(s);
  }
  return true;
}

// Appends `rows` ids (< dict_size) from `in` to `ids`.
bool DecodeIds(std::string_view in, size_t rows, uint64_t dict_size, std::vector<uint32_t>* ids) {
  for (size_t row = 0; row < rows; ++row) {
    uint64_t id;
    if (!GetVarint64(&in, &id) || id >= dict_size) return false;
    ids->push_back(static_cast<uint32_t>(id));
  }
  return in.empty();
}

// Appends `rows` int64 or double values from `in` to `col`.
bool DecodeValues(std::string_view in, ColumnKind kind, size_t rows, Column* col) {
  if (kind == ColumnKind::kDouble) {
    if (in.size() != rows * sizeof(double)) return false;
    const size_t at = col->doubles.size();
    col->doubles.resize(at + rows);
    std::memcpy(col->doubles.data() + at, in.data(), in.size());
    return true;
  }
  const size_t at = col->ints.size();
  col->ints.resize(at + rows);
  uint64_t prev = 0;
  for (size_t row = 0; row < rows; ++row) {
    uint64_t raw;
    if (!GetVarint64(&in, &raw)) return false;
    prev += static_cast<uint64_t>(UnZigZag(raw));
    col->ints[at + row] = static_cast<int64_t>(prev);
  }
  return in.empty();
}

// Appends `rows` nulls to `col`.
void AppendNulls(ColumnKind kind, size_t rows, Column* col) {
  switch (kind) {
    case ColumnKind::kInt64:
      col->ints.insert(col->ints.end(), rows, kNullInt);
      break;
    case ColumnKind::kDouble:
      col->doubles.insert(col->doubles.end(), rows, kNullDouble);
      break;
    case ColumnKind::kString:
      if (col->dict.empty()) col->dict.assign(1, "");
      col->ids.insert(col->ids.end(), rows, 0);
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
  for (size_t col_idx = 0; col_idx < kNumColumns; ++col_idx) {
    PutLengthPrefixed(&footer, kColumns[col_idx].name);
    footer.push_back(static_cast<char>(kColumns[col_idx].kind));
  }

  // Rows by (type, name, ts), cut where type or name changes and every kRowGroupRows rows.
  const Column& type = batch.col(ColumnId::type);
  const Column& name = batch.col(ColumnId::name);
  std::vector<uint32_t> order(batch.rows);
  for (uint32_t row = 0; row < order.size(); ++row) order[row] = row;
  // The dictionaries' ids ranked by their strings, so that the sort compares integers.
  auto ranks = [](const Column& col) {
    std::vector<uint32_t> by_value(col.dict.size()), rank(col.dict.size());
    for (uint32_t id = 0; id < by_value.size(); ++id) by_value[id] = id;
    std::sort(by_value.begin(), by_value.end(),
              [&](uint32_t a, uint32_t b) { return col.dict[a] < col.dict[b]; });
    for (uint32_t r = 0; r < by_value.size(); ++r) rank[by_value[r]] = r;
    return rank;
  };
  const std::vector<uint32_t> type_rank = ranks(type), name_rank = ranks(name);
  auto key = [&](uint32_t row) {
    return std::tuple(type_rank[type.ids[row]], name_rank[name.ids[row]], ts.ints[row]);
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return key(a) < key(b); });
  std::vector<std::pair<size_t, size_t>> groups;  // [begin, end) in `order`
  for (size_t begin = 0; begin < order.size();) {
    size_t end = begin + 1;
    while (end < order.size() && end - begin < kRowGroupRows &&
           type.ids[order[end]] == type.ids[order[begin]] &&
           name.ids[order[end]] == name.ids[order[begin]]) {
      ++end;
    }
    groups.emplace_back(begin, end);
    begin = end;
  }
  std::string raw;
  std::unique_ptr<char[]> scratch(
      new char[std::min(batch.rows, kRowGroupRows) * kMaxVarint64Bytes + 1]);
  // Uninitialised, unlike a std::string resized to the bound: zeroing it per column would cost
  // as much as copying the column.
  std::unique_ptr<char[]> compressed;
  size_t compressed_capacity = 0;
  // One compression context for all the blocks (ZSTD_compress would set one up per call).
  std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> cctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
  if (!cctx) return Status::IOError("zstd: cannot create a compression context");
  // Compresses `data` into the next block and lists it in the footer.
  auto put_block = [&](std::string_view data) -> Status {
    const size_t bound = ZSTD_compressBound(data.size());
    if (bound > compressed_capacity) {
      compressed.reset(new char[bound]);
      compressed_capacity = bound;
    }
    size_t size = ZSTD_compressCCtx(cctx.get(), compressed.get(), compressed_capacity, data.data(),
                                    data.size(), zstd_level);
    if (ZSTD_isError(size)) return Status::IOError(std::string("zstd: ") + ZSTD_getErrorName(size));
    const std::string_view block(compressed.get(), size);
    PutVarint64(&footer, file.size());
    PutVarint64(&footer, block.size());
    PutVarint64(&footer, data.size());
    PutFixed32(&footer, Crc32(block));
    file.append(block);
    return Status::Ok();
  };
  // Each string column's dictionary, once for the segment.
  static const std::vector<std::string> kEmptyDictionary = {""};
  for (size_t col_idx = 0; col_idx < kNumColumns; ++col_idx) {
    if (kColumns[col_idx].kind != ColumnKind::kString) continue;
    raw.clear();
    EncodeDictionary(batch.rows > 0 ? batch.columns[col_idx].dict : kEmptyDictionary, &raw);
    SL_RETURN_IF_ERROR(put_block(raw));
  }
  PutVarint64(&footer, groups.size());
  for (const auto& [begin, end] : groups) {
    const uint32_t* rows = order.data() + begin;
    const size_t n = end - begin;
    int64_t min_ts = ts.ints[rows[0]], max_ts = ts.ints[rows[0]];
    for (size_t i = 0; i < n; ++i) {
      min_ts = std::min(min_ts, ts.ints[rows[i]]);
      max_ts = std::max(max_ts, ts.ints[rows[i]]);
    }
    PutVarint64(&footer, n);
    PutVarint64(&footer, ZigZag(min_ts));
    PutVarint64(&footer, ZigZag(max_ts));
    PutLengthPrefixed(&footer, type.dict[type.ids[rows[0]]]);
    PutLengthPrefixed(&footer, name.dict[name.ids[rows[0]]]);
    for (size_t col_idx = 0; col_idx < kNumColumns; ++col_idx) {
      raw.clear();
      EncodeColumn(batch.columns[col_idx], kColumns[col_idx].kind, rows, n, scratch.get(), &raw);
      SL_RETURN_IF_ERROR(put_block(raw));
    }
  }
  file.append(footer);
  PutFixed32(&file, static_cast<uint32_t>(footer.size()));
  PutFixed32(&file, Crc32(footer));
  file.append(kTailMagic);
  SL_RETURN_IF_ERROR(env->WriteFileAtomic(path, file));
  info.file_bytes = file.size();
  return info;
}

bool RowGroupFilter::Keeps(std::string_view type, std::string_view name) const {
  auto in = [](const std::vector<std::string>& list, std::string_view v) {
    return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
  };
  if (!in(types, type)) return false;
  const bool named = named_types.empty() ||
                     std::find(named_types.begin(), named_types.end(), type) != named_types.end();
  return !named || in(names, name);
}

Result<std::unique_ptr<SegmentReader>> SegmentReader::Open(Env* env, const std::string& path,
                                                           OpenFileCache* files) {
  std::unique_ptr<SegmentReader> reader(new SegmentReader());
  reader->path_ = path;
  reader->files_ = files;
  if (files == nullptr) {
    Result<std::unique_ptr<RandomAccessFile>> own = env->OpenRead(path);
    if (!own.ok()) return own.status();
    reader->own_.file = std::move(own).value();
    Result<std::shared_ptr<const Footer>> footer =
        ParseFooter(*reader->own_.file, path, &reader->info_);
    if (!footer.ok()) return footer.status();
    reader->own_.footer = std::move(footer).value();
    return reader;
  }
  Result<OpenFileCache::Handle> handle = files->Open(path);
  if (!handle.ok()) return handle.status();
  Result<std::shared_ptr<const Footer>> footer = ParseFooter(*handle->file, path, &reader->info_);
  if (!footer.ok()) return footer.status();
  files->Attach(path, handle->file.get(), std::move(footer).value());
  return reader;
}

Result<SegmentReader::Opened> SegmentReader::OpenFile() const {
  if (files_ == nullptr) return own_;
  Result<OpenFileCache::Handle> handle = files_->Open(path_);
  if (!handle.ok()) return handle.status();
  Opened opened{std::move(handle->file),
                std::static_pointer_cast<const Footer>(std::move(handle->metadata))};
  if (opened.footer != nullptr) return opened;
  SegmentInfo info;
  Result<std::shared_ptr<const Footer>> footer = ParseFooter(*opened.file, path_, &info);
  if (!footer.ok()) return footer.status();
  if (info.rows != info_.rows || info.min_ts != info_.min_ts || info.max_ts != info_.max_ts) {
    return Status::Corruption(path_ + ": the footer changed since the segment was opened");
  }
  opened.footer = std::move(footer).value();
  files_->Attach(path_, opened.file.get(), opened.footer);
  return opened;
}

Result<size_t> SegmentReader::row_groups() const {
  Result<Opened> opened = OpenFile();
  if (!opened.ok()) return opened.status();
  return opened->footer->groups.size();
}

Result<std::shared_ptr<const SegmentReader::Footer>> SegmentReader::ParseFooter(
    RandomAccessFile& opened, const std::string& path, SegmentInfo* info) {
  auto parsed = std::make_shared<Footer>();
  const uint64_t size = opened.size();
  auto corrupt = [&](std::string_view what) {
    return Status::Corruption(path + ": " + std::string(what));
  };
  if (size < kHeadMagic.size() + kTrailerSize) return corrupt("too short for a segment");
  std::string trailer;
  SL_RETURN_IF_ERROR(opened.Read(size - kTrailerSize, kTrailerSize, &trailer));
  std::string_view t = trailer;
  uint32_t footer_len, footer_crc;
  GetFixed32(&t, &footer_len);
  GetFixed32(&t, &footer_crc);
  if (t != kTailMagic) return corrupt("bad trailing magic");
  if (footer_len > size - kHeadMagic.size() - kTrailerSize) return corrupt("bad footer length");
  std::string footer;
  SL_RETURN_IF_ERROR(opened.Read(size - kTrailerSize - footer_len, footer_len, &footer));
  if (Crc32(footer) != footer_crc) return corrupt("footer checksum mismatch");
  std::string head;
  SL_RETURN_IF_ERROR(opened.Read(0, kHeadMagic.size(), &head));
  if (head != kHeadMagic) return corrupt("bad leading magic");

  std::string_view in = footer;
  uint64_t version, rows, min_ts, max_ts, ncols;
  if (!GetVarint64(&in, &version) || (version != 1 && version != kFooterVersion) ||
      !GetVarint64(&in, &rows) || !GetVarint64(&in, &min_ts) || !GetVarint64(&in, &max_ts) ||
      !GetVarint64(&in, &ncols) || ncols > 4096) {
    return corrupt("bad footer header");
  }
  *info = {rows, UnZigZag(min_ts), UnZigZag(max_ts), size};
  parsed->version = version;
  const uint64_t data_end = size - kTrailerSize - footer_len;
  // The file's columns: this build's id (or none), and kind.
  std::vector<std::pair<int, ColumnKind>> file_columns;
  auto read_entry = [&](ColumnEntry* entry) {
    return GetVarint64(&in, &entry->offset) && GetVarint64(&in, &entry->size) &&
           GetVarint64(&in, &entry->raw_size) && GetFixed32(&in, &entry->crc) &&
           entry->offset >= kHeadMagic.size() && entry->offset <= data_end &&
           entry->size <= data_end - entry->offset;
  };
  auto column_of = [&](std::string_view name, ColumnKind kind, int* id) -> Status {
    ColumnId known;
    *id = -1;
    if (!FindColumn(name, &known)) return Status::Ok();  // a column this build does not know
    if (kColumns[static_cast<size_t>(known)].kind != kind) return corrupt("column kind mismatch");
    *id = static_cast<int>(known);
    return Status::Ok();
  };
  if (version == 1) {  // one group of every row, columns described inline
    RowGroup group;
    group.rows = rows;
    group.min_ts = info->min_ts;
    group.max_ts = info->max_ts;
    for (uint64_t idx = 0; idx < ncols; ++idx) {
      std::string_view name;
      ColumnEntry entry;
      if (!GetLengthPrefixed(&in, &name) || in.empty()) return corrupt("bad column entry");
      entry.kind = static_cast<ColumnKind>(in.front());
      in.remove_prefix(1);
      if (!read_entry(&entry)) return corrupt("bad column entry");
      int id;
      SL_RETURN_IF_ERROR(column_of(name, entry.kind, &id));
      if (id < 0) continue;
      entry.present = true;
      group.entries[static_cast<size_t>(id)] = entry;
    }
    parsed->groups.push_back(std::move(group));
    return std::shared_ptr<const Footer>(std::move(parsed));
  }
  for (uint64_t idx = 0; idx < ncols; ++idx) {
    std::string_view name;
    if (!GetLengthPrefixed(&in, &name) || in.empty()) return corrupt("bad column list");
    const auto kind = static_cast<ColumnKind>(in.front());
    in.remove_prefix(1);
    int id;
    SL_RETURN_IF_ERROR(column_of(name, kind, &id));
    file_columns.emplace_back(id, kind);
  }
  for (const auto& [id, kind] : file_columns) {
    if (kind != ColumnKind::kString) continue;
    ColumnEntry entry;
    entry.kind = kind;
    if (!read_entry(&entry)) return corrupt("bad dictionary entry");
    if (id < 0) continue;
    entry.present = true;
    parsed->dictionaries[static_cast<size_t>(id)] = entry;
  }
  uint64_t ngroups, total = 0;
  if (!GetVarint64(&in, &ngroups) || ngroups > rows + 1) return corrupt("bad row group count");
  for (uint64_t g = 0; g < ngroups; ++g) {
    RowGroup group;
    uint64_t group_min, group_max;
    std::string_view type, name;
    if (!GetVarint64(&in, &group.rows) || !GetVarint64(&in, &group_min) ||
        !GetVarint64(&in, &group_max) || !GetLengthPrefixed(&in, &type) ||
        !GetLengthPrefixed(&in, &name) || group.rows == 0 || group.rows > kRowGroupRows) {
      return corrupt("bad row group");
    }
    group.min_ts = UnZigZag(group_min);
    group.max_ts = UnZigZag(group_max);
    group.known = true;
    group.type = std::string(type);
    group.name = std::string(name);
    total += group.rows;
    for (const auto& [id, kind] : file_columns) {
      ColumnEntry entry;
      entry.kind = kind;
      if (!read_entry(&entry)) return corrupt("bad column entry");
      if (id < 0) continue;
      entry.present = true;
      group.entries[static_cast<size_t>(id)] = entry;
    }
    parsed->groups.push_back(std::move(group));
  }
  if (total != rows || !in.empty()) return corrupt("row groups do not add up");
  return std::shared_ptr<const Footer>(std::move(parsed));
}

Status SegmentReader::ReadBlock(RandomAccessFile& file, const ColumnEntry& entry, size_t col_idx,
                                std::string* raw) const {
  std::string block;
  SL_RETURN_IF_ERROR(file.Read(entry.offset, entry.size, &block));
  if (Crc32(block) != entry.crc) {
    return Status::Corruption(path_ + ": checksum mismatch in column " +
                              std::string(kColumns[col_idx].name));
  }
  // raw_size comes from a checksummed footer; still cap it to refuse absurd allocations.
  if (entry.raw_size > (uint64_t{1} << 34)) return Status::Corruption(path_ + ": bad size");
  raw->resize(entry.raw_size);
  size_t n = ZSTD_decompress(raw->data(), raw->size(), block.data(), block.size());
  if (ZSTD_isError(n) || n != entry.raw_size) {
    return Status::Corruption(path_ + ": cannot decompress column " +
                              std::string(kColumns[col_idx].name));
  }
  return Status::Ok();
}

Result<ColumnBatch> SegmentReader::ReadRows(ColumnSet columns, const RowGroupFilter& filter) const {
  Result<Opened> opened = OpenFile();
  if (!opened.ok()) return opened.status();
  RandomAccessFile& file = *opened->file;
  const Footer& footer = *opened->footer;
  std::vector<const RowGroup*> kept;
  uint64_t rows = 0;
  for (const RowGroup& group : footer.groups) {
    if (group.known && !filter.Keeps(group.type, group.name)) continue;
    kept.push_back(&group);
    rows += group.rows;
  }
  ColumnBatch batch;
  batch.rows = rows;
  batch.present = columns;
  std::string raw;
  auto fail = [&](size_t col_idx) {
    return Status::Corruption(path_ + ": cannot decode column " +
                              std::string(kColumns[col_idx].name));
  };
  for (size_t col_idx = 0; col_idx < kNumColumns; ++col_idx) {
    if (!columns.test(col_idx)) continue;
    const ColumnKind kind = kColumns[col_idx].kind;
    Column& col = batch.columns[col_idx];
    // Version 2 strings: the segment's dictionary, then each group's ids into it.
    const bool shared_dictionary = kind == ColumnKind::kString && footer.version == 2;
    const ColumnEntry& dictionary = footer.dictionaries[col_idx];
    if (shared_dictionary && dictionary.present) {
      SL_RETURN_IF_ERROR(ReadBlock(file, dictionary, col_idx, &raw));
      std::string_view in(raw);
      if (!DecodeDictionary(&in, &col.dict) || !in.empty()) return fail(col_idx);
    }
    if (kind == ColumnKind::kString) {
      col.ids.reserve(rows);
    } else if (kind == ColumnKind::kInt64) {
      col.ints.reserve(rows);
    } else {
      col.doubles.reserve(rows);
    }
    for (const RowGroup* group : kept) {
      const ColumnEntry& entry = group->entries[col_idx];
      if (!entry.present || (shared_dictionary && !dictionary.present)) {
        AppendNulls(kind, group->rows, &col);
        continue;
      }
      SL_RETURN_IF_ERROR(ReadBlock(file, entry, col_idx, &raw));
      std::string_view in(raw);
      bool ok;
      if (kind != ColumnKind::kString) {
        ok = DecodeValues(in, kind, group->rows, &col);
      } else if (shared_dictionary) {
        ok = DecodeIds(in, group->rows, col.dict.size(), &col.ids);
      } else {  // version 1: the block holds its own dictionary (and is the only group)
        ok = DecodeDictionary(&in, &col.dict) &&
             DecodeIds(in, group->rows, col.dict.size(), &col.ids);
      }
      if (!ok) return fail(col_idx);
    }
    if (kind == ColumnKind::kString && col.dict.empty()) col.dict.assign(1, "");
  }
  return batch;
}

Result<ColumnBatch> SegmentReader::ReadColumns(ColumnSet columns) const {
  return ReadRows(columns, {});
}

Status SegmentReader::Verify() const {
  Result<ColumnBatch> all = ReadColumns(AllColumns());
  return all.ok() ? Status::Ok() : all.status();
}

}  // namespace sightline
