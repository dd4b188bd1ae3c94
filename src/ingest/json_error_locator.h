// Locating errors in JSON text that the fast parser rejected, so an HTTP 400 can say where.
//
// Only called on the error path: it re-scans the text with a small recursive-descent checker
// (RFC 8259 grammar, depth-limited) and reports the byte offset of the first problem.
#pragma once

#include <cstddef>
#include <string_view>

namespace sightline {

// Byte offset of the first syntax error in `text`, or text.size() if the error is that the text
// ends too early. Returns `npos` when the text is valid JSON.
size_t LocateJsonSyntaxError(std::string_view text);

// Byte offset of the first byte that is not part of valid UTF-8, or npos.
size_t LocateInvalidUtf8(std::string_view text);

inline constexpr size_t kNoJsonError = static_cast<size_t>(-1);

}  // namespace sightline
