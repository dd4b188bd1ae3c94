#include "store/coding.h"

#include <libdeflate.h>

namespace sightline {

uint32_t Crc32Extend(uint32_t crc, std::string_view data) {
  // libdeflate's CRC-32 is zlib's, computed with carry-less multiplication where the CPU has it.
  return libdeflate_crc32(crc, data.data(), data.size());
}

}  // namespace sightline
