#include "store/rollup.h"

#include <zstd.h>

#include <algorithm>
#include <map>
#include <unordered_map>

#include "common/vitals.h"
#include "store/coding.h"

namespace sightline {
namespace {

constexpr std::string_view kMagic = "SLRUP001";
constexpr std::string_view kEndMagic = "SLRUPEND";
constexpr size_t kMaxDims = 2;
constexpr uint32_t kFoldedId = UINT32_MAX;

struct CellKey {
  int64_t bucket;
  uint32_t values[kMaxDims];
  bool operator==(const CellKey& o) const {
    return bucket == o.bucket && values[0] == o.values[0] && values[1] == o.values[1];
  }
  bool operator<(const CellKey& o) const {
    if (bucket != o.bucket) return bucket < o.bucket;
    if (values[0] != o.values[0]) return values[0] < o.values[0];
    return values[1] < o.values[1];
  }
};

struct CellKeyHash {
  size_t operator()(const CellKey& k) const {
    uint64_t h = static_cast<uint64_t>(k.bucket) * 0x9E3779B97F4A7C15ull;
    h ^= (static_cast<uint64_t>(k.values[0]) << 32 | k.values[1]) + 0x632BE59BD9B4E019ull +
         (h << 6) + (h >> 2);
    return h ^ (h >> 29);
  }
};

struct Cell {
  DDSketch sketch;
  double bands[3] = {0, 0, 0};
};

struct SectionBuild {
  const std::vector<ColumnId>* dims;
  std::unordered_map<CellKey, Cell, CellKeyHash> cells;
  // When small enough: the cell of each (bucket, value of each dimension), by dense index (see
  // BuildRollup), so that a row finds its cell without hashing. Null: no cell yet.
  std::vector<Cell*> dense;
  bool dropped = false;
};

// Dense cell indexes above this many slots fall back to the hash map alone.
constexpr size_t kMaxDenseSlots = size_t{1} << 20;

int64_t FloorTo(int64_t t, int64_t step) { return t - ((t % step) + step) % step; }

// The section's bytes before compression: its strings, then its cells in key order.
std::string EncodeSection(const std::vector<ColumnId>& dims, const ColumnBatch& batch,
                          const std::vector<std::pair<CellKey, const Cell*>>& cells,
                          int64_t resolution_ms, int64_t base_ms, uint32_t* folded) {
  std::map<std::string_view, uint64_t> string_ids;  // string -> index + 1 (0: folded)
  for (const auto& [key, cell] : cells) {
    for (size_t d = 0; d < dims.size(); ++d) {
      if (key.values[d] != kFoldedId) string_ids.emplace(batch.col(dims[d]).dict[key.values[d]], 0);
    }
  }
  std::string raw;
  PutVarint64(&raw, string_ids.size());
  uint64_t next = 1;
  for (auto& [s, id] : string_ids) {
    PutLengthPrefixed(&raw, s);
    id = next++;
  }
  PutVarint64(&raw, cells.size());
  std::string sketch;
  for (const auto& [key, cell] : cells) {
    PutVarint64(&raw, resolution_ms == 0
                          ? 0
                          : static_cast<uint64_t>((key.bucket - base_ms) / resolution_ms));
    uint32_t cell_folded = 0;
    for (size_t d = 0; d < dims.size(); ++d) {
      if (key.values[d] == kFoldedId) cell_folded |= 1u << d;
    }
    *folded |= cell_folded;
    PutVarint64(&raw, cell_folded);
    for (size_t d = 0; d < dims.size(); ++d) {
      PutVarint64(&raw, key.values[d] == kFoldedId
                            ? 0
                            : string_ids.at(batch.col(dims[d]).dict[key.values[d]]));
    }
    for (double b : cell->bands) PutNumber(&raw, b);
    sketch.clear();
    cell->sketch.Serialize(&sketch);
    PutLengthPrefixed(&raw, sketch);
  }
  return raw;
}

}  // namespace

const std::vector<std::vector<ColumnId>>& RollupGroupingSets() {
  using C = ColumnId;
  static const std::vector<std::vector<ColumnId>> kSets = {
      {},
      {C::device},
      {C::connection},
      {C::region},
      {C::environment},
      {C::os},
      {C::browser},
      {C::country},
      {C::release},
      {C::route},
      {C::tier},
      {C::device, C::connection},
      {C::device, C::browser},
      {C::device, C::os},
      {C::device, C::country},
      {C::device, C::release},
      {C::device, C::route},
      {C::country, C::route},
  };
  return kSets;
}

ColumnSet RollupColumns() {
  ColumnSet columns;
  for (ColumnId c :
       {ColumnId::ts, ColumnId::type, ColumnId::name, ColumnId::value, ColumnId::sample_rate}) {
    columns.set(static_cast<size_t>(c));
  }
  for (const auto& set : RollupGroupingSets()) {
    for (ColumnId c : set) columns.set(static_cast<size_t>(c));
  }
  return columns;
}

std::string BuildRollup(const ColumnBatch& batch, int64_t fine_ms, const RollupLimits& limits) {
  const auto& sets = RollupGroupingSets();
  std::string file(kMagic);
  std::string index;
  size_t section_count = 0;

  const Column* type = batch.rows > 0 ? &batch.col(ColumnId::type) : nullptr;
  int64_t vital_id = -1;
  if (type != nullptr) {
    for (size_t id = 0; id < type->dict.size(); ++id) {
      if (type->dict[id] == "vital") vital_id = static_cast<int64_t>(id);
    }
  }
  if (vital_id >= 0) {
    const Column& ts = batch.col(ColumnId::ts);
    const Column& name = batch.col(ColumnId::name);
    const Column& value = batch.col(ColumnId::value);
    const Column& rate = batch.col(ColumnId::sample_rate);
    auto is_vital = [&](size_t row) {
      return type->ids[row] == vital_id && name.ids[row] != 0 && !IsNull(value.doubles[row]) &&
             value.doubles[row] >= 0;
    };

    // Per dimension column: dictionary id -> itself for the max_values most frequent values,
    // kFoldedId for the rest.
    std::array<std::vector<uint32_t>, kNumColumns> remap;
    std::array<std::vector<uint32_t>, kNumColumns> dense_of;  // dictionary id -> dense value
    std::array<size_t, kNumColumns> dense_values{};           // dense values of the column
    for (const auto& set : sets) {
      for (ColumnId c : set) {
        std::vector<uint32_t>& map = remap[static_cast<size_t>(c)];
        if (!map.empty()) continue;
        const Column& col = batch.col(c);
        std::vector<uint64_t> counts(col.dict.size(), 0);
        for (size_t row = 0; row < batch.rows; ++row) {
          if (is_vital(row)) ++counts[col.ids[row]];
        }
        map.assign(col.dict.size(), kFoldedId);
        std::vector<uint32_t> order(col.dict.size());
        for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
        std::stable_sort(order.begin(), order.end(),
                         [&](uint32_t a, uint32_t b) { return counts[a] > counts[b]; });
        // The kept values are numbered 0..kept-1 for the dense index; folded ones share `kept`.
        std::vector<uint32_t>& dense = dense_of[static_cast<size_t>(c)];
        const size_t kept = std::min<size_t>(order.size(), limits.max_values);
        dense.assign(col.dict.size(), static_cast<uint32_t>(kept));
        for (size_t i = 0; i < kept; ++i) {
          map[order[i]] = order[i];
          dense[order[i]] = static_cast<uint32_t>(i);
        }
        dense_values[static_cast<size_t>(c)] = kept + 1;
      }
    }

    // One build per vital and grouping set.
    std::map<uint32_t, std::vector<SectionBuild>> builds;  // by name id
    std::vector<const VitalThresholds*> thresholds(name.dict.size(), nullptr);
    for (size_t id = 0; id < name.dict.size(); ++id) {
      thresholds[id] = FindVitalThresholds(name.dict[id]);
    }
    size_t total_cells = 0;
    const DDSketch index_sketch;  // the cells' relative accuracy
    // Dense index: bucket number (fine sections) then each dimension's dense value, row-major.
    int64_t first_bucket = 0, buckets = 1;
    if (batch.rows > 0) {
      auto [lo, hi] = std::minmax_element(ts.ints.begin(), ts.ints.end());
      first_bucket = FloorTo(*lo, fine_ms);
      buckets = (FloorTo(*hi, fine_ms) - first_bucket) / fine_ms + 1;
    }
    auto dense_slots = [&](const std::vector<ColumnId>& dims) {
      size_t slots = dims.size() < 2 ? static_cast<size_t>(buckets) : 1;
      for (ColumnId c : dims) slots *= dense_values[static_cast<size_t>(c)];
      return slots;
    };
    for (size_t row = 0; row < batch.rows; ++row) {
      if (!is_vital(row)) continue;
      const uint32_t name_id = name.ids[row];
      auto [it, added] = builds.try_emplace(name_id);
      if (added) {
        for (const auto& set : sets) {
          SectionBuild& build = it->second.emplace_back();
          build.dims = &set;
          if (const size_t slots = dense_slots(set); slots <= kMaxDenseSlots) {
            build.dense.assign(slots, nullptr);
          }
        }
      }
      const double v = value.doubles[row];
      const double r = rate.doubles[row];
      const double w = SampleWeight(r);
      const VitalThresholds* t = thresholds[name_id];
      const int band = t == nullptr ? 0 : v <= t->good ? 0 : v <= t->poor ? 1 : 2;
      const int32_t index = index_sketch.Index(v);
      const int64_t bucket = FloorTo(ts.ints[row], fine_ms);
      const size_t bucket_number = static_cast<size_t>((bucket - first_bucket) / fine_ms);
      CellKey key{bucket, {0, 0}};
      for (SectionBuild& build : it->second) {
        if (build.dropped) continue;
        Cell** slot = nullptr;
        if (!build.dense.empty()) {
          size_t at = build.dims->size() < 2 ? bucket_number : 0;
          for (ColumnId c : *build.dims) {
            const size_t col = static_cast<size_t>(c);
            at = at * dense_values[col] + dense_of[col][batch.columns[col].ids[row]];
          }
          slot = &build.dense[at];
          if (*slot != nullptr) {
            (*slot)->sketch.Add(v, w, index);
            (*slot)->bands[band] += w;
            continue;
          }
        }
        key.bucket = build.dims->size() < 2 ? bucket : 0;  // pairs: the span only
        for (size_t d = 0; d < build.dims->size(); ++d) {
          const size_t col = static_cast<size_t>((*build.dims)[d]);
          key.values[d] = remap[col][batch.columns[col].ids[row]];
        }
        for (size_t d = build.dims->size(); d < kMaxDims; ++d) key.values[d] = 0;
        auto cell = build.cells.find(key);
        if (cell == build.cells.end()) {
          // The empty set (at most one cell per bucket) is never dropped: a file without a
          // section of a vital holds no value of it.
          if (total_cells >= limits.max_cells && !build.dims->empty()) {
            // Over budget: the section of most cells goes (the widest tuples), so that the
            // small, most used sets stay.
            SectionBuild* widest = &build;
            for (auto& [id, others] : builds) {
              for (SectionBuild& other : others) {
                if (!other.dropped && !other.dims->empty() &&
                    other.cells.size() > widest->cells.size()) {
                  widest = &other;
                }
              }
            }
            total_cells -= widest->cells.size();
            widest->cells.clear();
            widest->cells.rehash(0);
            widest->dense = {};
            widest->dropped = true;
            if (widest == &build) continue;
          }
          ++total_cells;
          cell = build.cells.try_emplace(key).first;
        }
        if (slot != nullptr) *slot = &cell->second;  // elements of the map never move
        cell->second.sketch.Add(v, w, index);
        cell->second.bands[band] += w;
      }
    }

    std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> cctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
    auto add_section = [&](std::string_view metric, const std::vector<ColumnId>& dims,
                           int64_t resolution_ms,
                           const std::vector<std::pair<CellKey, const Cell*>>& cells) {
      const int64_t base_ms = cells.empty() ? 0 : cells.front().first.bucket;
      uint32_t folded = 0;
      std::string raw = EncodeSection(dims, batch, cells, resolution_ms, base_ms, &folded);
      std::string compressed(ZSTD_compressBound(raw.size()), '\0');
      size_t n = ZSTD_compressCCtx(cctx.get(), compressed.data(), compressed.size(), raw.data(),
                                   raw.size(), 3);
      compressed.resize(ZSTD_isError(n) ? 0 : n);
      PutLengthPrefixed(&index, metric);
      PutVarint64(&index, dims.size());
      for (ColumnId c : dims) PutLengthPrefixed(&index, kColumns[static_cast<size_t>(c)].name);
      PutVarint64(&index, static_cast<uint64_t>(resolution_ms));
      PutVarint64(&index, ZigZag(base_ms));
      PutVarint64(&index, folded);
      PutVarint64(&index, cells.size());
      PutVarint64(&index, file.size());
      PutVarint64(&index, compressed.size());
      PutVarint64(&index, raw.size());
      PutFixed32(&index, Crc32(compressed));
      file += compressed;
      ++section_count;
    };
    for (auto& [name_id, per_set] : builds) {
      const std::string_view metric = name.dict[name_id];
      for (SectionBuild& build : per_set) {
        if (build.dropped) continue;
        std::vector<std::pair<CellKey, const Cell*>> fine;
        fine.reserve(build.cells.size());
        for (const auto& [key, cell] : build.cells) fine.emplace_back(key, &cell);
        std::sort(fine.begin(), fine.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
        if (build.dims->size() < 2) add_section(metric, *build.dims, fine_ms, fine);
        // The span section: the fine cells of each tuple merged.
        std::map<CellKey, Cell> span;
        const int64_t base = fine.empty() ? 0 : fine.front().first.bucket;
        for (const auto& [key, cell] : fine) {
          Cell& merged = span[CellKey{base, {key.values[0], key.values[1]}}];
          (void)merged.sketch.Merge(cell->sketch);
          for (int b = 0; b < 3; ++b) merged.bands[b] += cell->bands[b];
        }
        std::vector<std::pair<CellKey, const Cell*>> span_cells;
        for (const auto& [key, cell] : span) span_cells.emplace_back(key, &cell);
        add_section(metric, *build.dims, 0, span_cells);
      }
    }
  }
  std::string header;
  PutVarint64(&header, section_count);
  index.insert(0, header);
  file += index;
  PutFixed32(&file, static_cast<uint32_t>(index.size()));
  PutFixed32(&file, Crc32(index));
  file += kEndMagic;
  return file;
}

Result<std::shared_ptr<RandomAccessFile>> RollupReader::File() const {
  if (files_ == nullptr) return own_file_;
  return files_->Get(path_);
}

Result<std::unique_ptr<RollupReader>> RollupReader::Open(Env* env, const std::string& path,
                                                         OpenFileCache* files) {
  std::unique_ptr<RollupReader> reader(new RollupReader());
  reader->path_ = path;
  reader->files_ = files;
  if (files == nullptr) {
    Result<std::unique_ptr<RandomAccessFile>> own = env->OpenRead(path);
    if (!own.ok()) return own.status();
    reader->own_file_ = std::move(own).value();
    Result<std::shared_ptr<const RollupIndex>> index = ParseIndex(*reader->own_file_, path);
    if (!index.ok()) return index.status();
    reader->own_index_ = std::move(index).value();
    return reader;
  }
  Result<OpenFileCache::Handle> handle = files->Open(path);
  if (!handle.ok()) return handle.status();
  Result<std::shared_ptr<const RollupIndex>> index = ParseIndex(*handle->file, path);
  if (!index.ok()) return index.status();
  files->Attach(path, handle->file.get(), std::move(index).value());
  return reader;
}

Result<std::shared_ptr<const RollupIndex>> RollupReader::Index() const {
  if (files_ == nullptr) return own_index_;
  Result<OpenFileCache::Handle> handle = files_->Open(path_);
  if (!handle.ok()) return handle.status();
  if (handle->metadata != nullptr) {
    return std::static_pointer_cast<const RollupIndex>(std::move(handle->metadata));
  }
  Result<std::shared_ptr<const RollupIndex>> index = ParseIndex(*handle->file, path_);
  if (!index.ok()) return index.status();
  files_->Attach(path_, handle->file.get(), *index);
  return index;
}

Result<std::shared_ptr<const RollupIndex>> RollupReader::ParseIndex(RandomAccessFile& file,
                                                                    const std::string& path) {
  auto corrupt = [&](std::string_view why) {
    return Status::Corruption(path + ": " + std::string(why));
  };
  const uint64_t size = file.size();
  if (size < kMagic.size() + 8 + kEndMagic.size()) return corrupt("too short for a rollup");
  std::string head, tail;
  SL_RETURN_IF_ERROR(file.Read(0, kMagic.size(), &head));
  SL_RETURN_IF_ERROR(file.Read(size - 8 - kEndMagic.size(), 8 + kEndMagic.size(), &tail));
  if (head != kMagic || tail.substr(8) != kEndMagic) return corrupt("not a rollup file");
  std::string_view t(tail);
  uint32_t index_len = 0, index_crc = 0;
  GetFixed32(&t, &index_len);
  GetFixed32(&t, &index_crc);
  if (index_len > size - kMagic.size() - 8 - kEndMagic.size()) return corrupt("bad index length");
  std::string index;
  SL_RETURN_IF_ERROR(file.Read(size - 8 - kEndMagic.size() - index_len, index_len, &index));
  if (Crc32(index) != index_crc) return corrupt("index checksum mismatch");

  auto parsed = std::make_shared<RollupIndex>();
  std::string_view in(index);
  uint64_t count;
  if (!GetVarint64(&in, &count) || count > in.size()) return corrupt("bad index");
  const uint64_t data_end = size - 8 - kEndMagic.size() - index_len;
  for (uint64_t i = 0; i < count; ++i) {
    RollupSection s;
    std::string_view metric;
    uint64_t dims, resolution, base, folded;
    if (!GetLengthPrefixed(&in, &metric) || !GetVarint64(&in, &dims) || dims > kMaxDims) {
      return corrupt("bad index");
    }
    s.metric = std::string(metric);
    for (uint64_t d = 0; d < dims; ++d) {
      std::string_view column;
      if (!GetLengthPrefixed(&in, &column)) return corrupt("bad index");
      bool found = false;
      for (size_t c = 0; c < kNumColumns; ++c) {
        if (kColumns[c].name == column) {
          s.dims.push_back(static_cast<ColumnId>(c));
          found = true;
        }
      }
      if (!found) return corrupt("unknown column " + std::string(column));
    }
    if (!GetVarint64(&in, &resolution) || !GetVarint64(&in, &base) || !GetVarint64(&in, &folded) ||
        !GetVarint64(&in, &s.cells) || !GetVarint64(&in, &s.offset) || !GetVarint64(&in, &s.size) ||
        !GetVarint64(&in, &s.raw_size) || !GetFixed32(&in, &s.crc) ||
        resolution > (int64_t{1} << 40) || s.offset < kMagic.size() || s.offset > data_end ||
        s.size > data_end - s.offset || s.raw_size > (uint64_t{1} << 32)) {
      return corrupt("bad index");
    }
    s.resolution_ms = static_cast<int64_t>(resolution);
    s.base_ms = UnZigZag(base);
    s.folded = static_cast<uint32_t>(folded);
    parsed->sections.push_back(std::move(s));
  }
  return std::shared_ptr<const RollupIndex>(std::move(parsed));
}

const RollupSection* RollupIndex::Find(std::string_view metric, const std::vector<ColumnId>& dims,
                                       int64_t resolution_ms) const {
  for (const RollupSection& s : sections) {
    if (s.metric == metric && s.dims == dims && s.resolution_ms == resolution_ms) return &s;
  }
  return nullptr;
}

Status RollupReader::ReadCells(const RollupSection& section,
                               const std::function<void(const RollupCell&)>& fn) const {
  auto corrupt = [&](std::string_view why) {
    return Status::Corruption(path_ + ": section " + section.metric + ": " + std::string(why));
  };
  Result<std::shared_ptr<RandomAccessFile>> file = File();
  if (!file.ok()) return file.status();
  std::string compressed;
  SL_RETURN_IF_ERROR((*file)->Read(section.offset, section.size, &compressed));
  if (Crc32(compressed) != section.crc) return corrupt("checksum mismatch");
  std::string raw(section.raw_size, '\0');
  size_t n = ZSTD_decompress(raw.data(), raw.size(), compressed.data(), compressed.size());
  if (ZSTD_isError(n) || n != raw.size()) return corrupt("does not decompress");
  std::string_view in(raw);
  uint64_t strings;
  if (!GetVarint64(&in, &strings) || strings > in.size()) return corrupt("bad string table");
  std::vector<std::string_view> table(1);  // [0]: the folded values
  for (uint64_t i = 0; i < strings; ++i) {
    std::string_view s;
    if (!GetLengthPrefixed(&in, &s)) return corrupt("bad string table");
    table.push_back(s);
  }
  uint64_t cells;
  if (!GetVarint64(&in, &cells) || cells != section.cells) return corrupt("bad cell count");
  RollupCell cell;
  cell.values.resize(section.dims.size());
  for (uint64_t i = 0; i < cells; ++i) {
    uint64_t bucket, folded;
    if (!GetVarint64(&in, &bucket) || !GetVarint64(&in, &folded)) return corrupt("bad cell");
    cell.bucket_start = section.base_ms + static_cast<int64_t>(bucket) * section.resolution_ms;
    cell.folded = static_cast<uint32_t>(folded);
    for (size_t d = 0; d < section.dims.size(); ++d) {
      uint64_t id;
      if (!GetVarint64(&in, &id) || id >= table.size()) return corrupt("bad cell");
      cell.values[d] = table[id];
    }
    std::string_view sketch;
    if (!GetNumber(&in, &cell.bands[0]) || !GetNumber(&in, &cell.bands[1]) ||
        !GetNumber(&in, &cell.bands[2]) || !GetLengthPrefixed(&in, &sketch)) {
      return corrupt("bad cell");
    }
    Result<DDSketch> decoded = DDSketch::Deserialize(sketch);
    if (!decoded.ok()) return corrupt("bad sketch");
    cell.sketch = std::move(decoded).value();
    fn(cell);
  }
  if (!in.empty()) return corrupt("trailing bytes");
  return Status::Ok();
}

Status RollupReader::Verify() const {
  Result<std::shared_ptr<const RollupIndex>> index = Index();
  if (!index.ok()) return index.status();
  for (const RollupSection& s : (*index)->sections) {
    SL_RETURN_IF_ERROR(ReadCells(s, [](const RollupCell&) {}));
  }
  return Status::Ok();
}

std::string RollupPathOf(const std::string& segment_path) {
  std::string path = segment_path;
  if (path.ends_with(".seg")) path.resize(path.size() - 4);
  return path + ".rollup";
}

}  // namespace sightline
