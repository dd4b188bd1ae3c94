#include "ingest/admission.h"

#include <algorithm>
#include <cmath>

#include "common/strings.h"

namespace sightline {
namespace {

constexpr int64_t kIdleBucketUs = 60 * 1000 * 1000;

// Whether every byte of `origin` can be in a serialized origin (RFC 6454): a scheme, "://", a
// host of letters, digits, '.', '-', or a bracketed IPv6 literal, and a port. Anything else (CR,
// LF, spaces, ';', '/') is never matched, so it is never echoed into a response header.
bool OriginCharactersValid(std::string_view origin) {
  return !origin.empty() && std::all_of(origin.begin(), origin.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == ':' || c == '/' || c == '[' || c == ']' || c == '+' || c == '*' ||
           c == '_';
  });
}

// Splits "scheme://host[:port]" into its parts; false if there is no "://" or a byte no origin
// holds.
bool SplitOrigin(std::string_view origin, std::string_view* scheme, std::string_view* host,
                 std::string_view* port) {
  if (!OriginCharactersValid(origin)) return false;
  size_t sep = origin.find("://");
  if (sep == std::string_view::npos) return false;
  if (origin.find('/', sep + 3) != std::string_view::npos) return false;  // a path: no origin
  *scheme = origin.substr(0, sep);
  std::string_view rest = origin.substr(sep + 3);
  size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos && rest.find(']', colon) == std::string_view::npos) {
    *host = rest.substr(0, colon);
    *port = rest.substr(colon + 1);
  } else {
    *host = rest;
    *port = "";
  }
  return !host->empty();
}

}  // namespace

bool OriginMatches(std::string_view pattern, std::string_view origin) {
  std::string_view p_scheme, p_host, p_port, o_scheme, o_host, o_port;
  if (!SplitOrigin(pattern, &p_scheme, &p_host, &p_port)) return false;
  if (!SplitOrigin(origin, &o_scheme, &o_host, &o_port)) return false;
  if (!EqualsIgnoreCase(p_scheme, o_scheme)) return false;
  if (p_port != "*" && p_port != o_port) return false;
  if (p_host.substr(0, 2) == "*.") {
    std::string_view suffix = p_host.substr(1);  // ".shop.example"
    return o_host.size() > suffix.size() &&
           EqualsIgnoreCase(o_host.substr(o_host.size() - suffix.size()), suffix);
  }
  return EqualsIgnoreCase(p_host, o_host);
}

int64_t TokenBucket::Refill(double rate, int64_t now_us) {
  const double capacity = std::max(1.0, rate);
  if (tokens_ < 0) {
    tokens_ = capacity;
  } else {
    tokens_ = std::min(capacity, tokens_ + static_cast<double>(now_us - last_us_) * rate / 1e6);
  }
  last_us_ = now_us;
  if (tokens_ >= 1) return 0;
  return static_cast<int64_t>(std::ceil((1 - tokens_) * 1e6 / rate));
}

int64_t TokenBucket::Take(double rate, int64_t now_us) {
  int64_t wait_us = Refill(rate, now_us);
  if (wait_us == 0) tokens_ -= 1;
  return wait_us;
}

Admission::Admission(const std::vector<ProjectConfig>& projects, const LimitsConfig& limits)
    : projects_(projects), limits_(limits) {
  for (size_t idx = 0; idx < projects_.size(); ++idx) {
    for (const std::string& key : projects_[idx].ingest_keys) project_by_key_[key] = idx;
  }
}

const ProjectConfig* Admission::ProjectForKey(std::string_view key) const {
  auto it = project_by_key_.find(std::string(key));
  return it == project_by_key_.end() ? nullptr : &projects_[it->second];
}

bool Admission::OriginAllowed(const ProjectConfig& project, std::string_view origin) {
  if (origin.empty() || project.allowed_origins.empty()) return true;
  for (const std::string& pattern : project.allowed_origins) {
    if (OriginMatches(pattern, origin)) return true;
  }
  return false;
}

bool Admission::AnyProjectAllows(std::string_view origin) const {
  for (const ProjectConfig& project : projects_) {
    if (OriginAllowed(project, origin)) return true;
  }
  return false;
}

int64_t Admission::TakeRateToken(std::string_view client, std::string_view key, int64_t now_us) {
  // Both buckets are checked before either is charged: a beacon refused by one costs the other
  // nothing.
  const double client_rate = limits_.beacons_per_second_per_client;
  const double key_rate = limits_.beacons_per_second_per_key;
  if (client_rate <= 0 && key_rate <= 0) return 0;
  // An IPv6 visitor usually holds a whole /64 (SLAAC, privacy addresses): one bucket for it, or
  // anyone could take a fresh bucket for every request.
  if (client.size() == 16) client = client.substr(0, 8);
  std::lock_guard<std::mutex> lock(mu_);
  TokenBucket* client_bucket = client_rate > 0 ? &per_client_[std::string(client)] : nullptr;
  TokenBucket* key_bucket = key_rate > 0 ? &per_key_[std::string(key)] : nullptr;
  int64_t wait_us = 0;
  if (client_bucket) wait_us = std::max(wait_us, client_bucket->Refill(client_rate, now_us));
  if (key_bucket) wait_us = std::max(wait_us, key_bucket->Refill(key_rate, now_us));
  if (wait_us > 0) return std::max<int64_t>(1, (wait_us + 999999) / 1000000);
  if (client_bucket) client_bucket->Take(client_rate, now_us);
  if (key_bucket) key_bucket->Take(key_rate, now_us);
  return 0;
}

void Admission::Sweep(int64_t now_us) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto* buckets : {&per_client_, &per_key_}) {
    for (auto it = buckets->begin(); it != buckets->end();) {
      it = now_us - it->second.last_us() > kIdleBucketUs ? buckets->erase(it) : std::next(it);
    }
  }
}

size_t Admission::client_buckets() const {
  std::lock_guard<std::mutex> lock(mu_);
  return per_client_.size();
}

}  // namespace sightline
