#include "enrich/geo.h"

#include <maxminddb.h>

#include <cstring>
#include <unordered_map>

namespace sightline {
namespace {

// Region groups by country (docs/geo.md). Transcontinental countries go where their population
// and business ties mostly are: Turkey and the Caucasus with Europe, Egypt with MEA, Russia with
// Europe, Kazakhstan with APAC.
constexpr std::pair<std::string_view, std::string_view> kRegions[] = {
    {"NA", "US CA GL BM PM UM"},
    {"LATAM",
     "MX GT BZ SV HN NI CR PA CU DO HT JM PR BS BB TT AG DM GD KN LC VC AI AW BQ CW SX KY MS TC "
     "VG VI BL MF GP MQ AR BO BR CL CO EC FK GF GY PY PE SR UY VE GS"},
    {"EU",
     "AD AL AT AX BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE LI "
     "LT LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM UA VA XK TR AM AZ GE"},
    {"MEA",
     "AE BH IL IQ IR JO KW LB OM PS QA SA SY YE DZ AO BJ BW BF BI CV CM CF TD KM CG CD CI DJ EG "
     "GQ ER SZ ET GA GM GH GN GW KE LS LR LY MG MW ML MR MU YT MA MZ NA NE NG RE RW SH ST SN SC "
     "SL SO ZA SS SD TZ TG TN UG EH ZM ZW TF"},
    {"APAC",
     "AF BD BT BN KH CN HK IN ID JP KZ KG LA MO MY MV MN MM NP KP KR PK PH SG LK TW TJ TH TL TM "
     "UZ VN AU NZ FJ PG SB VU NC PF WS TO KI FM MH NR PW TV CK NU TK WF AS GU MP NF CX CC HM PN "
     "IO"},
};

const std::unordered_map<std::string_view, std::string_view>& RegionTable() {
  static const auto* table = [] {
    auto* t = new std::unordered_map<std::string_view, std::string_view>();
    for (const auto& [region, countries] : kRegions) {
      for (size_t at = 0; at + 2 <= countries.size(); at += 3) {
        t->emplace(countries.substr(at, 2), region);
      }
    }
    return t;
  }();
  return *table;
}

// The entry's country code, from `country_code` or `country.iso_code`.
std::string CountryOf(MMDB_entry_s* entry) {
  MMDB_entry_data_s data;
  auto is_code = [&](int status) {
    return status == MMDB_SUCCESS && data.has_data && data.type == MMDB_DATA_TYPE_UTF8_STRING &&
           data.data_size == 2;
  };
  if (!is_code(MMDB_get_value(entry, &data, "country_code", nullptr)) &&
      !is_code(MMDB_get_value(entry, &data, "country", "iso_code", nullptr))) {
    return "";
  }
  std::string code(data.utf8_string, 2);
  for (char& c : code) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  return code;
}

// The entry's city: `city` as a string (ip-location-db's city databases) or `city.names.en`
// (GeoLite2 City).
std::string CityOf(MMDB_entry_s* entry) {
  MMDB_entry_data_s data;
  auto is_text = [&](int status) {
    return status == MMDB_SUCCESS && data.has_data && data.type == MMDB_DATA_TYPE_UTF8_STRING &&
           data.data_size > 0 && data.data_size < 256;
  };
  if (!is_text(MMDB_get_value(entry, &data, "city", nullptr)) &&
      !is_text(MMDB_get_value(entry, &data, "city", "names", "en", nullptr))) {
    return "";
  }
  return std::string(data.utf8_string, data.data_size);
}

}  // namespace

std::string_view RegionOfCountry(std::string_view country) {
  const auto& table = RegionTable();
  auto it = table.find(country);
  return it == table.end() ? std::string_view() : it->second;
}

Result<std::unique_ptr<GeoLocator>> GeoLocator::Open(const std::string& path) {
  auto db = std::make_unique<MMDB_s>();
  int status = MMDB_open(path.c_str(), MMDB_MODE_MMAP, db.get());
  if (status == MMDB_FILE_OPEN_ERROR) {
    return Status::NotFound("geo database " + path + ": " + MMDB_strerror(status));
  }
  if (status != MMDB_SUCCESS) {
    return Status::InvalidArgument("geo database " + path + ": " + MMDB_strerror(status));
  }
  return std::unique_ptr<GeoLocator>(new GeoLocator(std::move(db)));
}

GeoLocator::GeoLocator(std::unique_ptr<MMDB_s> db) : db_(std::move(db)) {}

GeoLocator::~GeoLocator() { MMDB_close(db_.get()); }

GeoResult GeoLocator::Lookup(const boost::asio::ip::address& address) const {
  // IPv4-mapped IPv6 addresses (a dual-stack socket's view of an IPv4 peer) are IPv4.
  boost::asio::ip::address addr = address;
  if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
    addr = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, addr.to_v6());
  }
  // Addresses that belong to no country: loopback, private, shared (CGNAT), link-local, unique
  // local and unspecified.
  if (addr.is_unspecified() || addr.is_loopback()) return {};
  if (addr.is_v4()) {
    uint32_t v4 = addr.to_v4().to_uint();
    if ((v4 >> 24) == 10 || (v4 >> 20) == 0xAC1 || (v4 >> 16) == 0xC0A8 ||
        (v4 >> 22) == (100u << 2 | 1) || (v4 >> 16) == 0xA9FE || (v4 >> 24) == 0) {
      return {};
    }
  } else if (addr.to_v6().is_link_local() || (addr.to_v6().to_bytes()[0] & 0xFE) == 0xFC) {
    return {};
  }
  sockaddr_storage storage{};
  if (addr.is_v4()) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&storage);
    sin->sin_family = AF_INET;
    auto bytes = addr.to_v4().to_bytes();
    std::memcpy(&sin->sin_addr, bytes.data(), bytes.size());
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&storage);
    sin6->sin6_family = AF_INET6;
    auto bytes = addr.to_v6().to_bytes();
    std::memcpy(&sin6->sin6_addr, bytes.data(), bytes.size());
  }
  int mmdb_error = MMDB_SUCCESS;
  MMDB_lookup_result_s found =
      MMDB_lookup_sockaddr(db_.get(), reinterpret_cast<sockaddr*>(&storage), &mmdb_error);
  GeoResult result;
  if (mmdb_error != MMDB_SUCCESS || !found.found_entry) return result;
  result.country = CountryOf(&found.entry);
  result.region = RegionOfCountry(result.country);
  result.city = CityOf(&found.entry);
  return result;
}

}  // namespace sightline
