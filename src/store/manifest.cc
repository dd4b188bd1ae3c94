#include "store/manifest.h"

#include <simdjson.h>

#include <cstdio>

#include "common/json_writer.h"
#include "store/coding.h"

namespace sightline {

std::string EncodeManifest(const Manifest& manifest) {
  JsonWriter w;
  w.BeginObject();
  w.Key("version");
  w.Int(1);
  w.Key("wal_start");
  w.Int(static_cast<int64_t>(manifest.wal_start));
  w.Key("next_segment_id");
  w.Int(static_cast<int64_t>(manifest.next_segment_id));
  w.Key("segments");
  w.BeginArray();
  for (const SegmentRecord& s : manifest.segments) {
    w.BeginObject();
    w.Key("id");
    w.Int(static_cast<int64_t>(s.id));
    w.Key("project");
    w.String(s.project);
    w.Key("day");
    w.String(s.day);
    w.Key("file");
    w.String(s.file);
    w.Key("rows");
    w.Int(static_cast<int64_t>(s.rows));
    w.Key("min_ts");
    w.Int(s.min_ts);
    w.Key("max_ts");
    w.Int(s.max_ts);
    w.Key("bytes");
    w.Int(static_cast<int64_t>(s.bytes));
    if (s.corrupt) {
      w.Key("corrupt");
      w.Bool(true);
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  std::string out = w.Take();
  char crc[16];
  std::snprintf(crc, sizeof(crc), "\n%08x\n", Crc32(out));
  out += crc;
  return out;
}

Result<Manifest> DecodeManifest(const std::string& text) {
  size_t newline = text.find('\n');
  if (newline == std::string::npos || text.size() < newline + 9) {
    return Status::Corruption("manifest: missing checksum line");
  }
  std::string json = text.substr(0, newline);
  char expected[16];
  std::snprintf(expected, sizeof(expected), "%08x", Crc32(json));
  if (text.compare(newline + 1, 8, expected) != 0) {
    return Status::Corruption("manifest: checksum mismatch");
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json).get(root) != simdjson::SUCCESS) {
    return Status::Corruption("manifest: not valid JSON");
  }
  Manifest manifest;
  int64_t version, wal_start, next_id;
  if (root["version"].get(version) || version != 1 || root["wal_start"].get(wal_start) ||
      root["next_segment_id"].get(next_id)) {
    return Status::Corruption("manifest: bad header fields");
  }
  manifest.wal_start = static_cast<uint64_t>(wal_start);
  manifest.next_segment_id = static_cast<uint64_t>(next_id);
  simdjson::dom::array segments;
  if (root["segments"].get(segments)) return Status::Corruption("manifest: no segment list");
  for (simdjson::dom::element item : segments) {
    SegmentRecord s;
    int64_t id, rows, bytes;
    std::string_view project, day, file;
    if (item["id"].get(id) || item["project"].get(project) || item["day"].get(day) ||
        item["file"].get(file) || item["rows"].get(rows) || item["min_ts"].get(s.min_ts) ||
        item["max_ts"].get(s.max_ts) || item["bytes"].get(bytes)) {
      return Status::Corruption("manifest: bad segment entry");
    }
    s.id = static_cast<uint64_t>(id);
    s.project = project;
    s.day = day;
    s.file = file;
    s.rows = static_cast<uint64_t>(rows);
    s.bytes = static_cast<uint64_t>(bytes);
    bool corrupt;
    s.corrupt = item["corrupt"].get(corrupt) == simdjson::SUCCESS && corrupt;
    manifest.segments.push_back(std::move(s));
  }
  return manifest;
}

}  // namespace sightline
