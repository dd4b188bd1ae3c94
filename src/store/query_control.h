// QueryControl: the limits one query runs under, handed to the store with each call
// (ScanSpec::control, AggregateSpec::control, Store::control()): a deadline, a flag its connection
// sets when the client has gone, the most groups an aggregation may hold, and the most memory the
// query's working set (exact values, folded sessions) may hold. The store and the collectors check
// it between batches and segments, so a query stops within one batch's work of any of them.
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
  // `max_bytes` 0: no memory limit.
  QueryControl(const Env* env, int64_t deadline_us, size_t max_groups,
               std::shared_ptr<const std::atomic<bool>> abandoned, uint64_t max_bytes = 0)
      : env_(env),
        deadline_us_(deadline_us),
        max_groups_(max_groups),
        max_bytes_(max_bytes),
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

  // One collector of the query (there is one per scanning thread) now holds `now` bytes; `*held`
  // is what it reported last, and is updated. ResourceExhausted, and memory_exceeded() true, once
  // the query's collectors together hold more than the limit. Estimates are fine: the limit is
  // against a working set growing without bound, not a byte-exact budget.
  Status Account(uint64_t* held, uint64_t now) const {
    const int64_t delta = static_cast<int64_t>(now) - static_cast<int64_t>(*held);
    *held = now;
    const int64_t total = held_bytes_.fetch_add(delta, std::memory_order_relaxed) + delta;
    if (max_bytes_ == 0 || total <= static_cast<int64_t>(max_bytes_)) return Status::Ok();
    memory_exceeded_.store(true, std::memory_order_relaxed);
    return Status::ResourceExhausted(
        "the query needs more than limits.max_query_memory_mb (" +
        std::to_string(max_bytes_ >> 10) +
        " KiB) of working memory: narrow its range, add filters, or drop exact=true");
  }
  bool memory_exceeded() const { return memory_exceeded_.load(std::memory_order_relaxed); }

 private:
  const Env* env_;
  const int64_t deadline_us_;
  const size_t max_groups_;
  const uint64_t max_bytes_;
  mutable std::atomic<int64_t> held_bytes_{0};
  mutable std::atomic<bool> memory_exceeded_{false};
  const std::shared_ptr<const std::atomic<bool>> abandoned_;
};

}  // namespace sightline
