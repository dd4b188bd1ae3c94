#include "store/memtable.h"

#include <algorithm>
#include <cstring>

#include "store/coding.h"

namespace sightline {

void Memtable::Add(std::string_view record) {
  const size_t need = record.size() + 4;
  if (chunks_.empty() || chunks_.back()->capacity - chunks_.back()->used < need) {
    chunks_.push_back(std::make_shared<Chunk>(std::max(kChunkBytes, need)));
  }
  Chunk& chunk = *chunks_.back();
  uint32_t len = static_cast<uint32_t>(record.size());
  std::memcpy(chunk.data.get() + chunk.used, &len, 4);
  std::memcpy(chunk.data.get() + chunk.used + 4, record.data(), record.size());
  chunk.used += need;
  bytes_ += need;
  ++records_;
}

Memtable::Snapshot Memtable::Take() const {
  Snapshot snapshot;
  snapshot.reserve(chunks_.size());
  for (const auto& chunk : chunks_) snapshot.emplace_back(chunk, chunk->used);
  return snapshot;
}

Status Memtable::ForEach(const Snapshot& snapshot,
                         const std::function<Status(std::string_view)>& fn) {
  for (const auto& [chunk, used] : snapshot) {
    std::string_view in(chunk->data.get(), used);
    while (!in.empty()) {
      uint32_t len;
      if (!GetFixed32(&in, &len) || len > in.size()) return Status::Corruption("memtable record");
      SL_RETURN_IF_ERROR(fn(in.substr(0, len)));
      in.remove_prefix(len);
    }
  }
  return Status::Ok();
}

}  // namespace sightline
