#include "enrich/sampling.h"

#include <algorithm>
#include <cstdint>

#include "common/event.h"

namespace sightline {
namespace {

const double* RuleFor(const RateMap& rules, std::string_view name) {
  if (name.empty()) return nullptr;
  for (const auto& [rule_name, rate] : rules) {
    if (rule_name == name) return &rate;
  }
  return nullptr;
}

}  // namespace

double RegionSampleRate(const SamplingConfig& sampling, std::string_view country,
                        std::string_view region) {
  if (const double* r = RuleFor(sampling.by_region, country)) return *r;
  if (const double* r = RuleFor(sampling.by_region, region)) return *r;
  return sampling.sample_rate;
}

double SessionSampleRate(const SamplingConfig& sampling, std::string_view country,
                         std::string_view region, std::string_view tier, std::string_view flags) {
  double rate = RegionSampleRate(sampling, country, region);
  if (const double* r = RuleFor(sampling.by_user_tier, tier)) rate = std::max(rate, *r);
  while (!flags.empty()) {
    size_t end = flags.find(kFlagSeparator);
    if (const double* r = RuleFor(sampling.by_feature_flag, flags.substr(0, end))) {
      rate = std::max(rate, *r);
    }
    flags.remove_prefix(end == std::string_view::npos ? flags.size() : end + 1);
  }
  return rate;
}

double SessionDraw(std::string_view session_id) {
  uint32_t h = 0x811c9dc5u;
  auto mix = [&h](std::string_view s) {
    for (char c : s) h = (h ^ static_cast<uint8_t>(c)) * 0x01000193u;
  };
  mix("sample:");
  mix(session_id);
  // MurmurHash3's finaliser: ids that differ only in their last characters draw evenly too.
  h = (h ^ (h >> 16)) * 0x85ebca6bu;
  h = (h ^ (h >> 13)) * 0xc2b2ae35u;
  h ^= h >> 16;
  return h / 4294967296.0;
}

}  // namespace sightline
