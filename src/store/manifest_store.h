// Reading and writing a data directory's manifest so that a damaged one never stops start-up.
//
// Every change replaces <dir>/MANIFEST (the commit point) and then <dir>/MANIFEST.copy, each
// atomically. LoadManifest reads MANIFEST; when it is corrupt or missing it falls back to the copy,
// and when both are unusable it rebuilds the list from the segment files on disk. A damaged
// manifest is kept as MANIFEST.corrupt for the operator.
//
// A list rebuilt from the files holds every `<project>/<day>/<id>.seg` file (those whose footer
// fails its checksum too, so that they are kept and reported, not deleted) and replays every WAL
// file still on disk. It can hold a row twice only when the manifest was lost and a crash had also
// interrupted a flush or compaction between writing its files and publishing them.
#pragma once

#include <string>

#include "common/env.h"
#include "common/logger.h"
#include "common/status.h"
#include "store/manifest.h"

namespace sightline {

enum class ManifestSource {
  kManifest,      // MANIFEST was read (or the directory is new)
  kCopy,          // MANIFEST was damaged; MANIFEST.copy was read
  kSegmentFiles,  // both were damaged or missing; the list was rebuilt from the files
};

struct LoadedManifest {
  Manifest manifest;
  ManifestSource source = ManifestSource::kManifest;
  std::string damage;  // what was wrong with MANIFEST (and the copy), when not kManifest
};

// Reads the manifest of region directory `dir` (WAL files in `wal_dir`). Only an I/O error other
// than a missing file is returned as an error. A fallback is written back (both files) before
// it is returned, so the next start reads MANIFEST again.
Result<LoadedManifest> LoadManifest(Env* env, Logger* logger, const std::string& dir,
                                    const std::string& wal_dir);

// Replaces MANIFEST, then MANIFEST.copy. Only MANIFEST's failure is returned (the change is
// published once it is written); a failed copy is logged and rewritten at the next start.
Status WriteManifest(Env* env, Logger* logger, const std::string& dir, const Manifest& manifest);

}  // namespace sightline
