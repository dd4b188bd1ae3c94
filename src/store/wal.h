// Write-ahead log: numbered files `wal-<seq>.log` in one directory, each a sequence of records
//
//   record := fixed32(len) fixed32(crc32 of len bytes and payload) payload[len]
//
// Wal is thread-safe. Append() returns once the record has reached the OS, so it survives a crash
// of this process; Sync() makes everything appended so far survive a crash of the machine. The
// store calls Sync() from a timer every storage.wal_fsync_interval_ms (group commit: one fdatasync
// covers every record appended since the last one). Rotate() starts a new file so that older files
// can be deleted once their records are in segments.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/env.h"
#include "common/status.h"

namespace sightline {

class Wal {
 public:
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;

  // Opens a new file numbered `seq` in `dir` (which must exist) for appending.
  static Result<std::unique_ptr<Wal>> Open(Env* env, std::string dir, uint64_t seq);

  // Errors: IOError. A failed append leaves nothing behind: a write that stopped part-way is cut
  // back, or, when that fails too (or after a failed Sync), the next append opens the next file.
  Status Append(std::string_view payload);
  // Appends the record of `payload` to `out` (for AppendFramed), returning the payload's offset
  // in `out`.
  static size_t Frame(std::string_view payload, std::string* out);
  // Frames in place a payload already appended to `out` after kFrameHeaderBytes of room at
  // `header_at` (so a record is encoded straight into the group's buffer).
  static constexpr size_t kFrameHeaderBytes = 8;
  static void FrameInPlace(std::string* out, size_t header_at);
  // Writes records framed by Frame() with one write (group commit). Errors as Append.
  Status AppendFramed(std::string_view records);
  // fdatasync of the current file; a no-op when nothing was appended since the last Sync.
  // Reports whether it synced anything through `synced`. After a failure the records appended
  // to that file are durable only once the store has flushed them to segments (the kernel may
  // drop the pages it failed to write and report a later fdatasync as a success): appends go on
  // in the next file.
  Status Sync(bool* synced = nullptr);
  // Switches appends to file `seq + 1` (Switch, quick: appends wait for it) and then makes the
  // previous file and the new file's directory entry durable (CompleteSwitch, which syncs: call it
  // outside any lock that appends wait for). Rotate() does both.
  struct Switched {
    uint64_t seq;                          // the new file's number
    std::shared_ptr<AppendFile> previous;  // the file appended to before
  };
  Result<Switched> Switch();
  Status CompleteSwitch(const Switched& switched);
  Result<uint64_t> Rotate();
  uint64_t current_seq() const;
  uint64_t bytes_appended() const;
  // Files given up after a failed write that could not be cut back or a failed fdatasync.
  uint64_t replaced_files() const;

  static std::string FileName(uint64_t seq);
  // Parses "wal-<seq>.log"; false for other names.
  static bool ParseFileName(std::string_view name, uint64_t* seq);

 private:
  Wal(Env* env, std::string dir) : env_(env), dir_(std::move(dir)) {}
  Status ReplaceUnhealthyFileLocked();

  Env* const env_;
  const std::string dir_;
  mutable std::mutex mu_;
  // shared_ptr: Sync() and CompleteSwitch() sync a file outside the lock while it is replaced.
  std::shared_ptr<AppendFile> file_;  // GUARDED_BY(mu_)
  uint64_t seq_ = 0;                  // GUARDED_BY(mu_)
  uint64_t unsynced_bytes_ = 0;       // GUARDED_BY(mu_)
  uint64_t bytes_appended_ = 0;       // GUARDED_BY(mu_)
  uint64_t replaced_files_ = 0;       // GUARDED_BY(mu_)
};

struct WalReplayResult {
  uint64_t records = 0;
  uint64_t skipped_regions = 0;  // runs of torn or corrupt bytes with intact records after them
  uint64_t skipped_bytes = 0;    // bytes of those runs and of a torn tail
  bool torn_tail = false;        // the file ends in an incomplete or corrupt record
};

// Calls `fn` with each intact record's payload in order. A torn or corrupt record is skipped:
// replay resynchronises on the next intact record (one whose length fits, whose checksum holds
// and which is followed by the end of the file or a plausible record), so one bad record never
// hides the ones after it. Errors: IOError reading, or whatever `fn` returns.
Result<WalReplayResult> ReplayWalFile(Env* env, const std::string& path,
                                      const std::function<Status(std::string_view)>& fn);

}  // namespace sightline
