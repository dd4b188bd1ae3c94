#include "common/time_parse.h"

#include <charconv>
#include <limits>

namespace sightline {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool ReadInt(std::string_view* s, size_t digits, int* out) {
  if (s->size() < digits) return false;
  auto res = std::from_chars(s->data(), s->data() + digits, *out);
  if (res.ec != std::errc() || res.ptr != s->data() + digits) return false;
  s->remove_prefix(digits);
  return true;
}

bool Consume(std::string_view* s, char c) {
  if (s->empty() || s->front() != c) return false;
  s->remove_prefix(1);
  return true;
}

}  // namespace

std::optional<int64_t> ParseTimestamp(std::string_view s) {
  if (!s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos && s.size() > 8) {
    int64_t ms;
    auto res = std::from_chars(s.data(), s.data() + s.size(), ms);
    if (res.ec == std::errc()) return ms;
    return std::nullopt;
  }
  int year, month, day, hour = 0, minute = 0, second = 0;
  if (!ReadInt(&s, 4, &year) || !Consume(&s, '-') || !ReadInt(&s, 2, &month) || !Consume(&s, '-') ||
      !ReadInt(&s, 2, &day)) {
    return std::nullopt;
  }
  static constexpr int kDaysInMonth[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || day > kDaysInMonth[month - 1]) return std::nullopt;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month == 2 && day == 29 && !leap) return std::nullopt;
  int64_t millis = 0;
  if (!s.empty() && (s.front() == 'T' || s.front() == 't' || s.front() == ' ')) {
    s.remove_prefix(1);
    if (!ReadInt(&s, 2, &hour) || !Consume(&s, ':') || !ReadInt(&s, 2, &minute))
      return std::nullopt;
    if (Consume(&s, ':')) {
      if (!ReadInt(&s, 2, &second)) return std::nullopt;
      if (Consume(&s, '.')) {
        int64_t scale = 100;
        size_t digits = 0;
        while (!s.empty() && s.front() >= '0' && s.front() <= '9') {
          millis += (s.front() - '0') * scale;
          scale /= 10;
          s.remove_prefix(1);
          ++digits;
        }
        if (digits == 0) return std::nullopt;
      }
    }
    if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
  }
  int64_t offset_minutes = 0;
  if (!s.empty()) {
    if (s == "Z" || s == "z") {
      s.remove_prefix(1);
    } else if (s.front() == '+' || s.front() == '-' || s.front() == ' ') {
      // ' ' is a '+' that a URL query string decoded as a space.
      int sign = s.front() == '-' ? -1 : 1;
      s.remove_prefix(1);
      int oh, om = 0;
      if (!ReadInt(&s, 2, &oh)) return std::nullopt;
      Consume(&s, ':');
      if (!s.empty() && !ReadInt(&s, 2, &om)) return std::nullopt;
      offset_minutes = sign * (oh * 60 + om);
    }
  }
  if (!s.empty()) return std::nullopt;
  int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return secs * 1000 + millis;
}

int64_t ParseDurationMs(std::string_view text) {
  if (text.size() < 2) return 0;
  int64_t n = 0;
  auto res = std::from_chars(text.data(), text.data() + text.size() - 1, n);
  if (res.ec != std::errc() || res.ptr != text.data() + text.size() - 1 || n <= 0) return 0;
  int64_t unit_ms;
  switch (text.back()) {
    case 'm':
      unit_ms = 60'000;
      break;
    case 'h':
      unit_ms = 3'600'000;
      break;
    case 'd':
      unit_ms = 86'400'000;
      break;
    default:
      return 0;
  }
  if (n > std::numeric_limits<int64_t>::max() / unit_ms) return 0;  // would overflow
  return n * unit_ms;
}

}  // namespace sightline
