// The binary encoding of an EventBatch, used as the payload of WAL records and as the memtable's
// in-memory form (see docs/storage-format.md, "Event batch encoding").
//
//   batch  := varint(version=2) lp(project) varint(n_events) event*n
//   event  := varint(present) varint(repeated) value*   (values of the `present` columns, in
//             column order)
//   present:  bit i = column i is not null and differs from the previous event's value
//   repeated: bit i = column i equals the previous event's (non-null) value and is not written;
//             always 0 for the first event. Columns in neither mask are null.
//   value  := zigzag varint (int64) | fixed64 IEEE-754 (double) | lp(bytes) (string)
//   lp(x)  := varint(len) bytes
// The events of one beacon share their context (URL, session, release...), so the repeat mask
// keeps each shared value once per record. Version 1 (one fixed64 presence mask per event, no
// repeats) is still decoded.
//
// Encode writes each event's values with its inherited ones taken from the batch's context;
// Decode gives events that hold all their values (no context, nothing inherited).
// Encode never fails. Decode returns Corruption for any malformed input and never reads out of
// bounds, so it is safe on a torn or corrupted WAL tail.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/event.h"
#include "common/status.h"
#include "store/column_batch.h"

namespace sightline {

void EncodeEventBatch(const EventBatch& batch, std::string* out);
Status DecodeEventBatch(std::string_view in, EventBatch* batch);

// Decodes straight into column builders, without materialising Events (what flushes and memtable
// scans need). For each event, `pick(project, ts)` names the builder that takes it as a row, or
// nullptr to skip the event. Errors: as DecodeEventBatch; after an error the builders hold a
// partial row and must be discarded.
using BuilderPicker = std::function<ColumnBatchBuilder*(std::string_view project, int64_t ts)>;
Status DecodeEventBatchInto(std::string_view in, const BuilderPicker& pick);

// Reads only the project name of an encoded batch (cheap; for routing without a full decode).
Status DecodeEventBatchProject(std::string_view in, std::string_view* project);

}  // namespace sightline
