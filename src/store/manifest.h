// Manifest: the list of live segment files and the first WAL file still needed, for one region's
// data directory. It is replaced atomically (write a temporary, fsync, rename, fsync the
// directory), so after a crash it is either the old or the new version, never a mix.
//
// Text format: one JSON object, a newline, and the CRC-32 of the JSON as 8 hex digits
// (docs/storage-format.md). Decode returns Corruption when the checksum or the JSON is wrong.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace sightline {

struct SegmentRecord {
  uint64_t id = 0;
  std::string project;
  std::string day;   // YYYY-MM-DD, UTC
  std::string file;  // relative to the region directory
  uint64_t rows = 0;
  int64_t min_ts = 0;
  int64_t max_ts = 0;
  uint64_t bytes = 0;
  // Found damaged (at start-up, by a read or by the background check): left out of queries at
  // every start, kept on disk for the operator. Written only when true.
  bool corrupt = false;
};

struct Manifest {
  uint64_t wal_start = 1;  // WAL files numbered below this are fully in segments
  uint64_t next_segment_id = 1;
  std::vector<SegmentRecord> segments;
};

std::string EncodeManifest(const Manifest& manifest);
Result<Manifest> DecodeManifest(const std::string& text);

}  // namespace sightline
