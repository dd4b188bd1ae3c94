// Small string helpers shared across stages.
#pragma once

#include <algorithm>
#include <cctype>
#include <string_view>

namespace sightline {

// Cuts `value` to at most `max_bytes` without splitting a UTF-8 sequence.
inline std::string_view CutUtf8(std::string_view value, size_t max_bytes) {
  if (value.size() <= max_bytes) return value;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(value[end]) & 0xc0) == 0x80) --end;
  return value.substr(0, end);
}

// ASCII case-insensitive equality (HTTP tokens, schemes, host names).
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// The route a URL fragment (after '#') names, as hash routers write it: "/cart/42" for
// "/cart/42?x" or "!/cart/42"; empty when the fragment is not a path (#top, #!top).
inline std::string_view HashRouteOf(std::string_view fragment) {
  if (fragment.starts_with("!/")) fragment.remove_prefix(1);
  if (!fragment.starts_with("/")) return {};
  return fragment.substr(0, fragment.find('?'));
}

}  // namespace sightline
