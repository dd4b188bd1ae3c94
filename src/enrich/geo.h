// Geo: a visitor's country (ISO 3166-1 alpha-2) from a MaxMind DB file read with libmaxminddb, and
// the country's region group (docs/geo.md). The address is looked up and forgotten: nothing here
// keeps, logs or returns it.
//
// Any MaxMind DB whose records carry the country as `country_code` (ip-location-db's databases)
// or `country.iso_code` (GeoLite2 and GeoIP2 country and city databases) can be used; a city
// database's records also carry `city` (ip-location-db) or `city.names.en` (GeoLite2). Lookups are
// thread-safe (the file is memory-mapped and read only).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/asio.h"
#include "common/status.h"

struct MMDB_s;

namespace sightline {

struct GeoResult {
  std::string country;      // "DE"; empty when the address is not in the database
  std::string_view region;  // "EU"; empty when the country is unknown
  std::string city;         // "Berlin"; empty unless the database has cities
};

class GeoLocator {
 public:
  // Opens and maps `path`. Errors: NotFound, InvalidArgument (not a MaxMind DB).
  static Result<std::unique_ptr<GeoLocator>> Open(const std::string& path);
  ~GeoLocator();
  GeoLocator(const GeoLocator&) = delete;
  GeoLocator& operator=(const GeoLocator&) = delete;

  GeoResult Lookup(const boost::asio::ip::address& address) const;

 private:
  explicit GeoLocator(std::unique_ptr<MMDB_s> db);
  std::unique_ptr<MMDB_s> db_;
};

// The region group of an ISO 3166-1 alpha-2 country code (upper case): NA, LATAM, EU, APAC or
// MEA; empty for codes not in the table.
std::string_view RegionOfCountry(std::string_view country);

}  // namespace sightline
