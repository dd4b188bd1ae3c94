// Fuzz target: any bytes as the YAML configuration file. Loading must never crash or throw: a
// configuration is either accepted, and then valid, or refused with a message.
#include <cstdint>
#include <string>

#include "common/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  sightline::Result<sightline::Config> config = sightline::ParseConfig(yaml);
  if (!config.ok()) {
    if (config.status().message().empty()) __builtin_trap();
    return 0;
  }
  if (config->storage.memtable_max_bytes < 2 * config->storage.memtable_flush_bytes) {
    __builtin_trap();
  }
  return 0;
}
