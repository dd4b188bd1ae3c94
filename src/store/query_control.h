// QueryControl: the limits one query runs under, handed to the store with each call
// (ScanSpec::control, AggregateSpec::control): a deadline, a flag its connection sets when the
// client has gone, and the most groups an aggregation may hold. The store checks it between
// batches and segments, so a query stops within one batch's work of either.
//
// Ownership: the caller owns it for the whole query; specs borrow it. Thread-safe: Check() may run
// on every scanning thread while another thread sets the abandoned flag.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/env.h"
#include "common/status.h"

namespace sightline {

class QueryControl {
 public:
  // `deadline_us` on env's monotonic clock (0: none); `abandoned` may be null (never).
  QueryControl(const Env* env, int64_t deadline_us, size_t max_groups,
               std::shared_ptr<const std::atomic<bool>> abandoned)
      : env_(env),
        deadline_us_(deadline_us),
        max_groups_(max_groups),
        abandoned_(std::move(abandoned)) {}

  // Ok while the query may go on; DeadlineExceeded past the deadline, Cancelled once its client
  // has gone.
  Status Check() const {
    if (abandoned_ && abandoned_->load(std::memory_order_relaxed)) {
      return Status::Cancelled("the client closed the connection");
    }
    if (deadline_us_ > 0 && env_->MonotonicMicros() > deadline_us_) {
      return Status::DeadlineExceeded("the query ran past server.query_timeout_ms");
    }
    return Status::Ok();
  }
  // Groups (and time buckets) an aggregation may hold; 0: unlimited.
  size_t max_groups() const { return max_groups_; }

 private:
  const Env* env_;
  const int64_t deadline_us_;
  const size_t max_groups_;
  const std::shared_ptr<const std::atomic<bool>> abandoned_;
};

}  // namespace sightline
