// ControlledStore: a Store that runs every read of one query under its QueryControl (deadline,
// cancellation, group limit) by setting ScanSpec::control and AggregateSpec::control on the way
// to the store it wraps. Queries take a Store& and need not know.
//
// Ownership: borrows `inner` and `control`, which must outlive it. Thread-safe as `inner` is.
#pragma once

#include <memory>

#include "store/query_control.h"
#include "store/store.h"

namespace sightline {

class ControlledStore final : public Store {
 public:
  ControlledStore(Store* inner, const QueryControl* control) : inner_(inner), control_(control) {}

  Status Append(const EventBatch& batch) override { return inner_->Append(batch); }
  std::unique_ptr<AppendGroup> NewAppendGroup() override { return inner_->NewAppendGroup(); }
  Status Commit(AppendGroup& group) override { return inner_->Commit(group); }
  Status Scan(const ScanSpec& spec, const BatchVisitor& visit) override {
    ScanSpec controlled = spec;
    controlled.control = control_;
    return inner_->Scan(controlled, visit);
  }
  Status ScanParallel(const ScanSpec& spec, size_t workers,
                      const ParallelBatchVisitor& visit) override {
    ScanSpec controlled = spec;
    controlled.control = control_;
    return inner_->ScanParallel(controlled, workers, visit);
  }
  Result<AggregateResult> Aggregate(const AggregateSpec& spec) override {
    AggregateSpec controlled = spec;
    controlled.control = control_;
    return inner_->Aggregate(controlled);
  }
  const QueryControl* control() const override { return control_; }

 private:
  Store* const inner_;
  const QueryControl* const control_;
};

}  // namespace sightline
