#include "ingest/body_decoder.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>

namespace sightline {
namespace {

std::string Gzip(const std::string& data) {
  z_stream zs{};
  deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = data.size();
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = out.size();
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

TEST(BodyDecoderTest, IdentityIsPassedThroughWithoutCopying) {
  std::string body = "hello", scratch;
  std::string_view decoded;
  EXPECT_EQ(DecodeBody("", body, 100, &scratch, &decoded), DecodeOutcome::kOk);
  EXPECT_EQ(decoded.data(), body.data());
  EXPECT_EQ(DecodeBody("identity", body, 3, &scratch, &decoded), DecodeOutcome::kTooLarge);
}

TEST(BodyDecoderTest, GzipIsInflated) {
  std::string scratch;
  std::string_view decoded;
  std::string text(5000, 'a');
  EXPECT_EQ(DecodeBody("GZIP", Gzip(text), 10000, &scratch, &decoded), DecodeOutcome::kOk);
  EXPECT_EQ(decoded, text);
}

TEST(BodyDecoderTest, AGzipBombIsStoppedAtTheCapWhileInflating) {
  std::string bomb = Gzip(std::string(50 << 20, '\0'));  // 50 MiB of zeros, ~50 KiB gzipped
  std::string scratch;
  std::string_view decoded;
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(DecodeBody("gzip", bomb, 1 << 20, &scratch, &decoded), DecodeOutcome::kTooLarge);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LE(scratch.capacity(), (1u << 20) + (64u << 10));  // never held more than the cap
  EXPECT_LT(elapsed, std::chrono::milliseconds(500));
}

TEST(BodyDecoderTest, CorruptTruncatedAndUnsupportedStreams) {
  std::string scratch;
  std::string_view decoded;
  std::string good = Gzip(std::string(1000, 'x'));
  EXPECT_EQ(DecodeBody("gzip", good.substr(0, good.size() / 2), 10000, &scratch, &decoded),
            DecodeOutcome::kCorrupt);
  EXPECT_EQ(DecodeBody("gzip", "not gzip at all", 10000, &scratch, &decoded),
            DecodeOutcome::kCorrupt);
  EXPECT_EQ(DecodeBody("br", good, 10000, &scratch, &decoded), DecodeOutcome::kUnsupportedEncoding);
  EXPECT_EQ(DecodeBody("deflate", good, 10000, &scratch, &decoded),
            DecodeOutcome::kUnsupportedEncoding);
}

}  // namespace
}  // namespace sightline
