// Store: the interface every storage backend implements (the embedded store today, ClickHouse for
// scale-out). Ingest appends batches; query scans columns and aggregates.
//
// Contracts every implementation keeps:
// - Append: when it returns OK the batch is durable against a crash of this process (for the
//   embedded store: its WAL record reached the OS; an fsync follows within the group-commit
//   interval). A non-OK Append stored nothing of the batch.
// - Scan: visits every event of `spec.project` with ts in [from_ms, to_ms) exactly once, in
//   batches carrying at least `spec.columns` (plus ts); rows outside the range may appear in a
//   batch and must be filtered by the caller. Data appended before the Scan started is visible.
//   Errors: Corruption/IOError of the data read (the scan stops), or what the visitor returns.
// - ScanParallel: visits what Scan visits, from up to `workers` threads at once, as
//   visit(worker, batch) with worker < `workers`; the calls of one worker never overlap. Returns
//   when every call has returned; an error stops the others at their next batch.
// - AppendGroup / Commit: group commit. NewAppendGroup() makes an empty group; Add() takes a batch
//   into it (the caller may reuse `batch` at once; a group belongs to one thread); Commit() makes
//   every batch of the group durable as Append does, at the cost of one write, empties the group,
//   and its status holds for all of them. Groups of different threads commit independently.
// - Aggregate: answers an AggregateSpec (see store/aggregate.h) over the same events Scan sees.
// All methods are thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/event.h"
#include "common/status.h"
#include "store/aggregate.h"
#include "store/column_batch.h"
#include "store/query_control.h"

namespace sightline {

struct ScanSpec {
  std::string project;
  int64_t from_ms = 0;  // inclusive
  int64_t to_ms = 0;    // exclusive
  ColumnSet columns;
  // Hints: only events of these types and names are needed (empty: any). A backend may skip the
  // others, or hand them over anyway: callers filter.
  std::vector<std::string> types;
  std::vector<std::string> names;
  std::vector<std::string> named_types;  // the types `names` applies to (empty: every type)
  // Borrowed for the call: the query's deadline and cancellation, checked between batches
  // (a scan then ends with its Status). Null: none.
  const QueryControl* control = nullptr;
};

using BatchVisitor = std::function<Status(const ColumnBatch&)>;
using ParallelBatchVisitor = std::function<Status(size_t worker, const ColumnBatch&)>;

// Batches waiting to be committed together; made by Store::NewAppendGroup. Not thread-safe.
class AppendGroup {
 public:
  virtual ~AppendGroup() = default;
  virtual void Add(const EventBatch& batch) = 0;
  virtual bool empty() const = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  virtual Status Append(const EventBatch& batch) = 0;
  virtual std::unique_ptr<AppendGroup> NewAppendGroup() = 0;
  virtual Status Commit(AppendGroup& group) = 0;
  virtual Status Scan(const ScanSpec& spec, const BatchVisitor& visit) = 0;
  // This default visits on the calling thread only, as worker 0.
  virtual Status ScanParallel(const ScanSpec& spec, size_t workers,
                              const ParallelBatchVisitor& visit) {
    (void)workers;
    return Scan(spec, [&](const ColumnBatch& batch) { return visit(0, batch); });
  }
  virtual Result<AggregateResult> Aggregate(const AggregateSpec& spec) = 0;
  // The limits the calling query runs under, for collectors that fold rows outside the store
  // (sessions); null when there are none (a store used directly).
  virtual const QueryControl* control() const { return nullptr; }
};

}  // namespace sightline
