// StoredRowParser: one stored event as a JSON object whose keys are column names
// (docs/storage-format.md §2) plus "project" — ClickHouse's JSONEachRow, what `sightline
// import` reads. Integers for int64 columns (true/false accepted as 1/0), numbers for double
// columns, strings for text; null or absent = null. ts and type are required.
// Not thread-safe (one parser per thread); Parse never reads past `allocated`.
#pragma once

#include <simdjson.h>

#include <array>
#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/event.h"

namespace sightline {

struct StoredRow {
  std::bitset<kNumColumns> present;
  std::array<int64_t, kNumColumns> ints{};
  std::array<double, kNumColumns> doubles{};
  std::array<std::string, kNumColumns> strings;
  std::string project;  // "" when the object has none
};

class StoredRowParser {
 public:
  // Parses the JSON object in data[0, size) into `row`; the buffer must stay readable up to
  // data + allocated, allocated >= size + simdjson::SIMDJSON_PADDING. Returns "" or the problem,
  // naming the field: "field value: expected a number".
  std::string Parse(const char* data, size_t size, size_t allocated, StoredRow* row);

 private:
  simdjson::ondemand::parser parser_;
  std::vector<size_t> column_at_;  // the columns of the previous row's fields, in order
};

}  // namespace sightline
