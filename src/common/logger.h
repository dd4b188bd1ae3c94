// Logger: one JSON object per line ({"ts":..., "level":..., "msg":..., fields...}) on a stream.
//
// Thread-safe (one mutex around each line's write). Hot paths must not log per request: they count
// in Metrics and, for warnings, go through a RateLimitedLog. Messages must never carry a client
// address or other personal data; callers pass only what they know to be safe.
#pragma once

#include <cstdio>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "common/env.h"

namespace sightline {

enum class LogLevel { kDebug = 0, kInfo, kWarn, kError };

// Parses "debug", "info", "warn", "error"; returns false for anything else.
bool ParseLogLevel(std::string_view text, LogLevel* level);

using LogField = std::pair<std::string_view, std::string>;

class Logger {
 public:
  Logger(Env* env, FILE* out, LogLevel min_level) : env_(env), out_(out), min_level_(min_level) {}

  void Log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields = {});
  void Debug(std::string_view msg, std::initializer_list<LogField> f = {}) {
    Log(LogLevel::kDebug, msg, f);
  }
  void Info(std::string_view msg, std::initializer_list<LogField> f = {}) {
    Log(LogLevel::kInfo, msg, f);
  }
  void Warn(std::string_view msg, std::initializer_list<LogField> f = {}) {
    Log(LogLevel::kWarn, msg, f);
  }
  void Error(std::string_view msg, std::initializer_list<LogField> f = {}) {
    Log(LogLevel::kError, msg, f);
  }

 private:
  Env* env_;
  FILE* out_;
  LogLevel min_level_;
  std::mutex mu_;
};

}  // namespace sightline
