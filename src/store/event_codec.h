// The binary encoding of an EventBatch, used as the payload of WAL records and as the memtable's
// in-memory form (see docs/storage-format.md, "Event batch encoding").
//
//   batch  := varint(version=1) lp(project) varint(n_events) event*n
//   event  := fixed64(presence mask, bit i = column i is not null) value*  (in column order)
//   value  := zigzag varint (int64) | fixed64 IEEE-754 (double) | lp(bytes) (string)
//   lp(x)  := varint(len) bytes
//
// Encode never fails. Decode returns Corruption for any malformed input and never reads out of
// bounds, so it is safe on a torn or corrupted WAL tail.
#pragma once

#include <string>
#include <string_view>

#include "common/event.h"
#include "common/status.h"

namespace sightline {

void EncodeEventBatch(const EventBatch& batch, std::string* out);
Status DecodeEventBatch(std::string_view in, EventBatch* batch);

// Reads only the project name of an encoded batch (cheap; for routing without a full decode).
Status DecodeEventBatchProject(std::string_view in, std::string_view* project);

}  // namespace sightline
