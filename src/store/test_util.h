// Helpers for the store's tests: temporary directories and event builders.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include "common/event.h"

namespace sightline {

// A fresh directory removed when the object goes out of scope.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sightline-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline Event Vital(int64_t ts, std::string name, double value, std::string release = "1.0",
                   double sample_rate = 1) {
  Event e;
  e.ts = ts;
  e.type = "vital";
  e.name = std::move(name);
  e.value = value;
  e.release = std::move(release);
  e.sample_rate = sample_rate;
  return e;
}

}  // namespace sightline
