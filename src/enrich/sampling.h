// Session sampling at the collector: a project's rules (projects[].sampling) decide, from the
// session id, which sessions are kept whole; errors of other sessions are kept at
// error_sample_rate (by a second draw of "error:" + id). The same rules reach the
// agent at GET /v1/config, and the draw is the agent's (agent/src/core/sampling.js), so a session
// the agent kept at the collector's rate is kept here too: a stored event's inclusion probability
// is the smaller of the agent's stated sample_rate and the collector's rate.
#pragma once

#include <string_view>

#include "common/config.h"

namespace sightline {

// The rate by the visitor's place: by_region's country rule, else its region-group rule, else
// sample_rate.
double RegionSampleRate(const SamplingConfig& sampling, std::string_view country,
                        std::string_view region);

// The share of sessions kept for a visitor: RegionSampleRate raised by a matching by_user_tier
// or by_feature_flag rule (flags joined by kFlagSeparator) — the most generous rule wins.
double SessionSampleRate(const SamplingConfig& sampling, std::string_view country,
                         std::string_view region, std::string_view tier, std::string_view flags);

// The session's draw in [0, 1): FNV-1a (32 bits) of "sample:" + id, mixed by MurmurHash3's
// finaliser, over 2^32, as the agent draws it. The session is kept at rate r when its draw is
// below r.
double SessionDraw(std::string_view session_id);

}  // namespace sightline
