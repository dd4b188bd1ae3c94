// MemoryGuard: the server's resident memory held under limits.max_memory_mb. Every 100 ms, on the
// I/O thread it is given, it reads the process's resident set (/proc/self/statm). Past 90% of the
// limit it sheds: the HTTP server answers ingest and query requests 503 with Retry-After (before
// reading their bodies), `on_pressure` runs (the store flushes its memtable), and freed heap is
// handed back to the kernel; below 80% it takes requests again. Health, metrics and static files
// are always answered.
//
// Thread-safe: shedding() is read by every I/O thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "common/asio.h"
#include "common/metrics.h"

namespace sightline {

class MemoryGuard {
 public:
  // `max_bytes` 0: never sheds (nor samples).
  MemoryGuard(boost::asio::io_context* io, uint64_t max_bytes, std::function<void()> on_pressure,
              MetricsRegistry* metrics);
  MemoryGuard(const MemoryGuard&) = delete;
  MemoryGuard& operator=(const MemoryGuard&) = delete;

  void Start();
  void Stop();  // on the guard's I/O thread
  bool shedding() const { return shedding_.load(std::memory_order_relaxed); }

 private:
  void Sample();

  boost::asio::steady_timer timer_;
  const uint64_t max_bytes_;
  const std::function<void()> on_pressure_;
  std::atomic<bool> shedding_{false};
  std::atomic<uint64_t> resident_bytes_{0};
  Counter& pressure_episodes_;
};

}  // namespace sightline
