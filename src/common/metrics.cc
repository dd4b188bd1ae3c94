#include "common/metrics.h"

#include <cassert>
#include <charconv>
#include <cmath>

namespace sightline {

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0);
}

void Histogram::Observe(double value) {
  size_t idx = 0;
  while (idx < bounds_.size() && value > bounds_[idx]) ++idx;
  counts_[idx].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  if (value > 0) {
    sum_nanos_.fetch_add(static_cast<uint64_t>(value * 1e9), std::memory_order_relaxed);
  }
}

double Histogram::sum() const {
  return static_cast<double>(sum_nanos_.load(std::memory_order_relaxed)) / 1e9;
}

std::vector<double> LatencyBucketsSeconds() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,    0.1,    0.25,    0.5,    1,     2.5,    5,     10};
}

MetricsRegistry::Family& MetricsRegistry::FamilyFor(const std::string& name,
                                                    const std::string& help, Type type) {
  auto [it, inserted] = families_.try_emplace(name);
  if (inserted) {
    it->second.help = help;
    it->second.type = type;
  }
  assert(it->second.type == type && "metric registered twice with different types");
  return it->second;
}

Counter& MetricsRegistry::AddCounter(const std::string& name, const std::string& help,
                                     const std::string& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  Family& family = FamilyFor(name, help, Type::kCounter);
  for (Series& s : family.series) {
    if (s.labels == labels) return *s.counter;
  }
  family.series.push_back({labels, std::make_unique<Counter>(), nullptr, nullptr, nullptr});
  return *family.series.back().counter;
}

Gauge& MetricsRegistry::AddGauge(const std::string& name, const std::string& help,
                                 const std::string& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  Family& family = FamilyFor(name, help, Type::kGauge);
  for (Series& s : family.series) {
    if (s.labels == labels && s.gauge) return *s.gauge;
  }
  family.series.push_back({labels, nullptr, std::make_unique<Gauge>(), nullptr, nullptr});
  return *family.series.back().gauge;
}

Histogram& MetricsRegistry::AddHistogram(const std::string& name, const std::string& help,
                                         std::vector<double> upper_bounds,
                                         const std::string& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  Family& family = FamilyFor(name, help, Type::kHistogram);
  for (Series& s : family.series) {
    if (s.labels == labels) return *s.histogram;
  }
  family.series.push_back(
      {labels, nullptr, nullptr, std::make_unique<Histogram>(std::move(upper_bounds)), nullptr});
  return *family.series.back().histogram;
}

void MetricsRegistry::AddGaugeCallback(const std::string& name, const std::string& help,
                                       std::function<double()> read) {
  std::lock_guard<std::mutex> lock(mu_);
  Family& family = FamilyFor(name, help, Type::kGauge);
  family.series.push_back({"", nullptr, nullptr, nullptr, std::move(read)});
}

namespace {

void AppendNumber(std::string* out, double v) {
  if (std::isinf(v)) {
    out->append(v > 0 ? "+Inf" : "-Inf");
    return;
  }
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, res.ptr);
}

void AppendSample(std::string* out, const std::string& name, const std::string& labels,
                  double value) {
  out->append(name);
  if (!labels.empty()) {
    out->push_back('{');
    out->append(labels);
    out->push_back('}');
  }
  out->push_back(' ');
  AppendNumber(out, value);
  out->push_back('\n');
}

std::string WithLabel(const std::string& labels, const std::string& extra) {
  return labels.empty() ? extra : labels + "," + extra;
}

}  // namespace

std::string MetricsRegistry::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& [name, family] : families_) {
    static constexpr const char* kTypeNames[] = {"counter", "gauge", "histogram"};
    out += "# HELP " + name + " " + family.help + "\n";
    out += "# TYPE " + name + " " + kTypeNames[static_cast<int>(family.type)] + "\n";
    for (const Series& s : family.series) {
      if (s.counter) {
        AppendSample(&out, name, s.labels, static_cast<double>(s.counter->value()));
      } else if (s.gauge) {
        AppendSample(&out, name, s.labels, static_cast<double>(s.gauge->value()));
      } else if (s.callback) {
        AppendSample(&out, name, s.labels, s.callback());
      } else if (s.histogram) {
        const Histogram& h = *s.histogram;
        uint64_t cumulative = 0;
        for (size_t idx = 0; idx < h.upper_bounds().size(); ++idx) {
          cumulative += h.bucket_count(idx);
          std::string le;
          AppendNumber(&le, h.upper_bounds()[idx]);
          AppendSample(&out, name + "_bucket", WithLabel(s.labels, "le=\"" + le + "\""),
                       static_cast<double>(cumulative));
        }
        cumulative += h.bucket_count(h.upper_bounds().size());
        AppendSample(&out, name + "_bucket", WithLabel(s.labels, "le=\"+Inf\""),
                     static_cast<double>(cumulative));
        AppendSample(&out, name + "_sum", s.labels, h.sum());
        AppendSample(&out, name + "_count", s.labels, static_cast<double>(h.count()));
      }
    }
  }
  return out;
}

}  // namespace sightline
