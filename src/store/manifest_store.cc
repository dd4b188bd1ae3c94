#include "store/manifest_store.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <vector>

#include "store/segment.h"
#include "store/wal.h"

namespace sightline {
namespace {

constexpr std::string_view kManifestName = "MANIFEST";
constexpr std::string_view kCopySuffix = ".copy";
constexpr std::string_view kCorruptSuffix = ".corrupt";

// The id of a segment file named by its id ("0000000042.seg"); false for any other name.
bool ParseSegmentFileName(std::string_view name, uint64_t* id) {
  if (!name.ends_with(".seg") || name.size() == 4) return false;
  name.remove_suffix(4);
  if (!std::all_of(name.begin(), name.end(), [](char c) { return std::isdigit(c); })) return false;
  *id = std::strtoull(std::string(name).c_str(), nullptr, 10);
  return true;
}

// Reads and decodes one manifest file. NotFound when it is missing, Corruption when damaged.
Result<Manifest> ReadOne(Env* env, const std::string& path, std::string* text) {
  Result<std::string> read = env->ReadFile(path);
  if (!read.ok()) return read.status();
  *text = std::move(read).value();
  return DecodeManifest(*text);
}

// The list of every segment file under `dir` (<project>/<day>/<id>.seg), and every WAL file
// replayed.
Result<Manifest> RebuildFromFiles(Env* env, const std::string& dir, const std::string& wal_dir) {
  Manifest manifest;
  Result<std::vector<std::string>> projects = env->ListDir(dir);
  if (!projects.ok()) return projects.status();
  for (const std::string& project : *projects) {
    Result<std::vector<std::string>> days = env->ListDir(JoinPath(dir, project));
    if (!days.ok()) continue;  // a file, or the WAL directory's files (no subdirectories)
    for (const std::string& day : *days) {
      Result<std::vector<std::string>> files = env->ListDir(JoinPath(dir, project + "/" + day));
      if (!files.ok()) continue;
      for (const std::string& file : *files) {
        SegmentRecord record;
        if (!ParseSegmentFileName(file, &record.id)) continue;
        record.project = project;
        record.day = day;
        record.file = project + "/" + day + "/" + file;
        // A segment whose footer is damaged is listed with no rows: the store reports it and
        // leaves it out of queries, and the file stays.
        Result<std::unique_ptr<SegmentReader>> reader =
            SegmentReader::Open(env, JoinPath(dir, record.file));
        if (reader.ok()) {
          record.rows = (*reader)->info().rows;
          record.min_ts = (*reader)->info().min_ts;
          record.max_ts = (*reader)->info().max_ts;
          record.bytes = (*reader)->info().file_bytes;
        }
        manifest.next_segment_id = std::max(manifest.next_segment_id, record.id + 1);
        manifest.segments.push_back(std::move(record));
      }
    }
  }
  std::sort(manifest.segments.begin(), manifest.segments.end(),
            [](const SegmentRecord& a, const SegmentRecord& b) { return a.id < b.id; });
  // Flushed WAL files are deleted right after the manifest that covers them is written, so the
  // files still here hold what no segment does (but for a crash in between).
  Result<std::vector<std::string>> wal_files = env->ListDir(wal_dir);
  if (wal_files.ok()) {
    uint64_t first = 0;
    for (const std::string& name : *wal_files) {
      uint64_t seq;
      if (Wal::ParseFileName(name, &seq) && (first == 0 || seq < first)) first = seq;
    }
    if (first > 0) manifest.wal_start = first;
  }
  return manifest;
}

}  // namespace

Status WriteManifest(Env* env, Logger* logger, const std::string& dir, const Manifest& manifest) {
  const std::string path = JoinPath(dir, std::string(kManifestName));
  const std::string text = EncodeManifest(manifest);
  SL_RETURN_IF_ERROR(env->WriteFileAtomic(path, text));
  Status copied = env->WriteFileAtomic(path + std::string(kCopySuffix), text);
  if (!copied.ok()) {
    logger->Error("cannot write the manifest's copy; it is rewritten at the next start",
                  {{"error", copied.ToString()}});
  }
  return Status::Ok();
}

Result<LoadedManifest> LoadManifest(Env* env, Logger* logger, const std::string& dir,
                                    const std::string& wal_dir) {
  const std::string path = JoinPath(dir, std::string(kManifestName));
  const std::string copy_path = path + std::string(kCopySuffix);
  LoadedManifest loaded;
  std::string text, copy_text;
  Result<Manifest> main = ReadOne(env, path, &text);
  Result<Manifest> copy = ReadOne(env, copy_path, &copy_text);
  for (const Result<Manifest>* read : {&main, &copy}) {
    Status::Code code = read->status().code();
    if (code != Status::Code::kOk && code != Status::Code::kNotFound &&
        code != Status::Code::kCorruption) {
      return read->status();  // an I/O error: nothing can be decided
    }
  }
  if (main.ok()) {
    loaded.manifest = std::move(main).value();
    if (copy_text != text) {  // missing, stale after a crash, or damaged
      Status s = env->WriteFileAtomic(copy_path, text);
      if (!s.ok()) logger->Error("cannot write the manifest's copy", {{"error", s.ToString()}});
    }
    return loaded;
  }
  const bool main_missing = main.status().code() == Status::Code::kNotFound;
  if (!main_missing) {
    loaded.damage = "MANIFEST: " + main.status().message();
    SL_RETURN_IF_ERROR(env->WriteFileAtomic(path + std::string(kCorruptSuffix), text));
  }
  if (copy.ok()) {
    loaded.manifest = std::move(copy).value();
    loaded.source = ManifestSource::kCopy;
    if (main_missing) loaded.damage = "MANIFEST is missing";
  } else {
    const bool copy_missing = copy.status().code() == Status::Code::kNotFound;
    if (!copy_missing)
      loaded.damage +=
          (loaded.damage.empty() ? "" : "; ") + std::string("copy: ") + copy.status().message();
    Result<Manifest> rebuilt = RebuildFromFiles(env, dir, wal_dir);
    if (!rebuilt.ok()) return rebuilt.status();
    loaded.manifest = std::move(rebuilt).value();
    // A new directory has neither file and nothing to rebuild.
    if (main_missing && copy_missing && loaded.manifest.segments.empty()) return loaded;
    loaded.source = ManifestSource::kSegmentFiles;
    if (main_missing && copy_missing) loaded.damage = "MANIFEST and its copy are missing";
  }
  logger->Error(
      loaded.source == ManifestSource::kCopy
          ? "the manifest is damaged; it was recovered from its copy"
          : "the manifest and its copy are damaged; the segment list was rebuilt from "
            "the segment files and every WAL file on disk is replayed",
      {{"damage", loaded.damage}, {"segments", std::to_string(loaded.manifest.segments.size())}});
  SL_RETURN_IF_ERROR(WriteManifest(env, logger, dir, loaded.manifest));
  return loaded;
}

}  // namespace sightline
