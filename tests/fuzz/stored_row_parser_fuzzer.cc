// Fuzz target: any bytes as one line of `sightline import`'s input. Parsing must never crash or
// read out of bounds, and an accepted row always has its required ts and type.
#include <cstdint>
#include <string>

#include "ingest/stored_row_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static sightline::StoredRowParser parser;
  std::string buffer(reinterpret_cast<const char*>(data), size);
  buffer.append(simdjson::SIMDJSON_PADDING, ' ');
  sightline::StoredRow row;
  if (!parser.Parse(buffer.data(), size, buffer.size(), &row).empty()) return 0;
  if (!row.present.test(static_cast<size_t>(sightline::ColumnId::ts)) ||
      !row.present.test(static_cast<size_t>(sightline::ColumnId::type))) {
    __builtin_trap();
  }
  return 0;
}
