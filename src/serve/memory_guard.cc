#include "serve/memory_guard.h"

#include <malloc.h>
#include <unistd.h>

#include <cstdio>

namespace sightline {
namespace {

constexpr auto kSampleEvery = std::chrono::milliseconds(100);

uint64_t ResidentBytes() {
  FILE* statm = std::fopen("/proc/self/statm", "r");
  if (statm == nullptr) return 0;
  unsigned long long pages = 0, resident = 0;
  const int read = std::fscanf(statm, "%llu %llu", &pages, &resident);
  std::fclose(statm);
  return read == 2 ? resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE)) : 0;
}

}  // namespace

MemoryGuard::MemoryGuard(boost::asio::io_context* io, uint64_t max_bytes,
                         std::function<void()> on_pressure, MetricsRegistry* metrics)
    : timer_(*io),
      max_bytes_(max_bytes),
      on_pressure_(std::move(on_pressure)),
      pressure_episodes_(metrics->AddCounter(
          "sightline_memory_pressure_total",
          "Times resident memory passed 90% of limits.max_memory_mb and requests were shed")) {
  metrics->AddGaugeCallback("sightline_resident_bytes", "Resident memory, sampled every 100 ms",
                            [this] { return static_cast<double>(resident_bytes_.load()); });
}

void MemoryGuard::Start() {
  if (max_bytes_ == 0) return;
  Sample();
}

void MemoryGuard::Stop() { timer_.cancel(); }

void MemoryGuard::Sample() {
  const uint64_t resident = ResidentBytes();
  resident_bytes_.store(resident, std::memory_order_relaxed);
  if (!shedding() && resident > max_bytes_ / 10 * 9) {
    shedding_.store(true, std::memory_order_relaxed);
    pressure_episodes_.Inc();
  } else if (shedding() && resident < max_bytes_ / 10 * 8) {
    shedding_.store(false, std::memory_order_relaxed);
  }
  if (shedding()) {
    on_pressure_();
    malloc_trim(0);  // what the flush and the shed requests freed goes back to the kernel
  }
  timer_.expires_after(kSampleEvery);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) Sample();
  });
}

}  // namespace sightline
