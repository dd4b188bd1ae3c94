// Small string helpers shared across stages.
#pragma once

#include <algorithm>
#include <cctype>
#include <string_view>

namespace sightline {

// ASCII case-insensitive equality (HTTP tokens, schemes, host names).
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace sightline
