// Google's thresholds for the web vitals (web.dev/articles/vitals): a value is good when at most
// `good`, poor when above `poor`, and needs improvement between.
#pragma once

#include <string_view>

namespace sightline {

struct VitalThresholds {
  std::string_view name;
  double good, poor;
};

inline constexpr VitalThresholds kVitalThresholds[] = {{"LCP", 2500, 4000}, {"INP", 200, 500},
                                                       {"CLS", 0.1, 0.25},  {"FCP", 1800, 3000},
                                                       {"TTFB", 800, 1800}, {"FID", 100, 300}};

// The thresholds of the vital `name`, or null when it has none.
inline const VitalThresholds* FindVitalThresholds(std::string_view name) {
  for (const VitalThresholds& t : kVitalThresholds) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

}  // namespace sightline
