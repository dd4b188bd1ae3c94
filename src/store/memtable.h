// Memtable: the encoded event batches appended since the last flush, held in memory.
//
// Records are stored back to back (fixed32 length + EncodeEventBatch bytes) in chunks whose buffers
// never move, so a reader can decode a snapshot (a chunk list and the bytes used at snapshot time)
// without holding the writer's lock while the writer keeps appending behind it.
// Not thread-safe by itself: the owner serialises Add() and Snapshot() with its own mutex.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sightline {

class Memtable {
 public:
  struct Chunk {
    explicit Chunk(size_t cap) : data(new char[cap]), capacity(cap) {}
    std::unique_ptr<char[]> data;
    size_t capacity;
    size_t used = 0;  // only the owner's Add() writes it, under the owner's lock
  };
  // What a reader may decode: each chunk with the bytes that were used when it was taken.
  // shared_ptr: a snapshot outlives a flush that retires the memtable.
  using Snapshot = std::vector<std::pair<std::shared_ptr<const Chunk>, size_t>>;

  void Add(std::string_view record);
  Snapshot Take() const;
  uint64_t bytes() const { return bytes_; }
  uint64_t records() const { return records_; }
  bool empty() const { return records_ == 0; }

  // Calls fn for each record of the snapshot in append order.
  static Status ForEach(const Snapshot& snapshot,
                        const std::function<Status(std::string_view)>& fn);

 private:
  static constexpr size_t kChunkBytes = 1 << 20;
  std::vector<std::shared_ptr<Chunk>> chunks_;
  uint64_t bytes_ = 0;
  uint64_t records_ = 0;
};

}  // namespace sightline
