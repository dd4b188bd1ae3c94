// Enricher: the stage between validation and the store. Every event of a beacon gets who and
// where its visitor is (country, region, city; device type, browser, OS and their versions), its
// URL path templated into a route, and every free-text field scrubbed of personal data; sessions
// the project's sampling rules do not keep lose all but their errors (enrich/sampling.h). The
// visitor's address and User-Agent are read here and forgotten: neither is stored.
//
// Event in, event out: the enricher knows nothing of HTTP or storage. One per HTTP thread (its
// user-agent cache is not shared); the parser, databases and scrubber it uses are shared and
// read-only.
#pragma once

#include <memory>
#include <string_view>

#include "common/asio.h"
#include "common/config.h"
#include "common/event.h"
#include "common/metrics.h"
#include "enrich/geo.h"
#include "enrich/scrubber.h"
#include "enrich/user_agent.h"

namespace sightline {

// What the request says about who sent it.
struct Visitor {
  boost::asio::ip::address address;
  std::string_view user_agent;
  ClientHints hints;
};

// The shared, read-only parts; any may be null (that enrichment is then skipped).
struct EnrichResources {
  const UserAgentParser* user_agents = nullptr;
  const GeoLocator* countries = nullptr;
  const GeoLocator* cities = nullptr;  // its country, when it has one, wins over `countries`
  const PiiScrubber* scrubber = nullptr;
  size_t user_agent_cache_size = 10000;
};

// True for the columns whose text the scrubber cleans (every free-text field of an event).
bool IsFreeTextColumn(ColumnId column);

// Where `address` is: the city database first (when it knows the address), then the country one.
GeoResult Locate(const EnrichResources& resources, const boost::asio::ip::address& address);

class Enricher {
 public:
  Enricher(const EnrichResources& resources, MetricsRegistry* metrics);

  // Enriches `batch` in place. Returns false when the beacon is a crawler's: its events are
  // counted (sightline_bot_events_total) and must not be stored as user traffic.
  bool Enrich(const Visitor& visitor, const ProjectConfig& project, EventBatch* batch);

 private:
  void ScrubEvent(Event* event, uint64_t skip, PiiCounts* counts);

  EnrichResources resources_;
  std::unique_ptr<UserAgentCache> user_agent_cache_;
  Counter* bot_beacons_;
  Counter* bot_events_;
  Counter* sampled_out_;
  Counter* user_agent_hits_;
  Counter* user_agent_misses_;
  std::array<Counter*, kPiiTypes> redactions_;
};

}  // namespace sightline
