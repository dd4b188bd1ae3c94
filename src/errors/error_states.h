// ErrorStates: the status people give an error group (open, resolved, ignored), per project.
//
// On disk (the data directory's errors/): <project>.jsonl, one {"fingerprint", "status",
// "changed_ms"} line per change, replayed at start (the last line of a group wins). Appends are
// fsynced before Set returns.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.h"

namespace sightline {

struct ErrorState {
  std::string status = "open";  // open | resolved | ignored
  int64_t changed_ms = 0;       // when it was set; for "resolved", occurrences after it in a
                                // release not seen before it make the group a regression
};

class ErrorStates {
 public:
  static Result<std::unique_ptr<ErrorStates>> Open(std::string dir);

  static bool ValidStatus(std::string_view status) {
    return status == "open" || status == "resolved" || status == "ignored";
  }
  // Errors: InvalidArgument for an unknown status, IOError.
  Status Set(const std::string& project, const std::string& fingerprint, std::string_view status,
             int64_t now_ms);
  // The groups of a project with a status set (groups without one are open).
  std::unordered_map<std::string, ErrorState> Snapshot(const std::string& project) const;

 private:
  explicit ErrorStates(std::string dir) : dir_(std::move(dir)) {}
  const std::string dir_;
  mutable std::mutex mu_;
  std::map<std::string, std::unordered_map<std::string, ErrorState>> states_;
};

}  // namespace sightline
