#include "store/coding.h"

#include <zlib.h>

namespace sightline {

uint32_t Crc32Extend(uint32_t crc_in, std::string_view data) {
  uLong crc = crc_in;
  // zlib takes uInt lengths; feed large inputs in pieces.
  while (!data.empty()) {
    size_t n = std::min<size_t>(data.size(), 1u << 30);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(n));
    data.remove_prefix(n);
  }
  return static_cast<uint32_t>(crc);
}

}  // namespace sightline
