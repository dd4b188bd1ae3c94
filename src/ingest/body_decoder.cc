#include "ingest/body_decoder.h"

#include <zlib.h>

#include <algorithm>

#include "common/strings.h"

namespace sightline {
namespace {

DecodeOutcome Gunzip(std::string_view body, size_t max_bytes, std::string* out) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return DecodeOutcome::kCorrupt;  // gzip only
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  zs.avail_in = static_cast<uInt>(body.size());
  out->clear();
  out->reserve(max_bytes + 1);  // once: the buffer is reused across requests and never regrows
  constexpr size_t kStep = 16 * 1024;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (out->size() >= max_bytes + 1) {
      inflateEnd(&zs);
      return DecodeOutcome::kTooLarge;
    }
    size_t offset = out->size();
    size_t step = std::min(kStep, max_bytes + 1 - offset);  // one byte past the cap detects excess
    out->resize(offset + step);
    zs.next_out = reinterpret_cast<Bytef*>(out->data() + offset);
    zs.avail_out = static_cast<uInt>(step);
    rc = inflate(&zs, Z_NO_FLUSH);
    out->resize(offset + step - zs.avail_out);
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK && !(rc == Z_BUF_ERROR && zs.avail_out == 0)) {
      inflateEnd(&zs);
      return DecodeOutcome::kCorrupt;
    }
    if (zs.avail_in == 0 && zs.avail_out != 0) {  // input ended before the stream did
      inflateEnd(&zs);
      return DecodeOutcome::kCorrupt;
    }
  }
  inflateEnd(&zs);
  if (out->size() > max_bytes) return DecodeOutcome::kTooLarge;
  return DecodeOutcome::kOk;
}

}  // namespace

DecodeOutcome DecodeBody(std::string_view encoding, std::string_view body, size_t max_bytes,
                         std::string* scratch, std::string_view* decoded) {
  if (encoding.empty() || EqualsIgnoreCase(encoding, "identity")) {
    if (body.size() > max_bytes) return DecodeOutcome::kTooLarge;
    *decoded = body;
    return DecodeOutcome::kOk;
  }
  if (EqualsIgnoreCase(encoding, "gzip") || EqualsIgnoreCase(encoding, "x-gzip")) {
    DecodeOutcome outcome = Gunzip(body, max_bytes, scratch);
    *decoded = *scratch;
    return outcome;
  }
  return DecodeOutcome::kUnsupportedEncoding;
}

}  // namespace sightline
