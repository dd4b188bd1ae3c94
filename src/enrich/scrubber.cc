#include "enrich/scrubber.h"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <optional>

#include "common/strings.h"

namespace sightline {

std::string_view PiiTypeName(PiiType type) {
  static constexpr std::string_view kNames[kPiiTypes] = {"PARAM", "JWT",  "BEARER", "EMAIL", "SSN",
                                                         "CARD",  "IPV4", "IPV6",   "PHONE"};
  return kNames[static_cast<size_t>(type)];
}

namespace {

using Groups = std::array<re2::StringPiece, 4>;

bool IsWordChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string Placeholder(PiiType type) {
  return "[REDACTED_" + std::string(PiiTypeName(type)) + "]";
}

// Replaces each match of `re` in `text` for which `decide` returns a replacement; a match
// `decide` refuses is searched again from its second character. Returns the replacements made.
template <typename Decide>
uint64_t ReplaceEach(const re2::RE2& re, std::string* text, Decide decide) {
  const int ngroups = std::min(re.NumberOfCapturingGroups() + 1, 4);
  re2::StringPiece input(*text);
  Groups m;
  std::string out;
  size_t copied = 0, pos = 0;
  uint64_t replaced = 0;
  while (pos <= text->size() &&
         re.Match(input, pos, text->size(), re2::RE2::UNANCHORED, m.data(), ngroups)) {
    size_t start = static_cast<size_t>(m[0].data() - text->data());
    size_t end = start + m[0].size();
    std::optional<std::string> replacement = decide(std::string_view(*text), start, end, m);
    if (!replacement) {
      pos = start + 1;
      continue;
    }
    out.append(*text, copied, start - copied);
    out += *replacement;
    copied = end;
    pos = end > start ? end : end + 1;
    ++replaced;
  }
  if (replaced > 0) {
    out.append(*text, copied, std::string::npos);
    *text = std::move(out);
  }
  return replaced;
}

bool LuhnValid(std::string_view digits) {
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

// Issuer prefixes of Visa, Mastercard, Amex, Diners, Discover, JCB and UnionPay: a 13-digit
// millisecond timestamp that happens to pass Luhn is not a card.
bool CardPrefix(std::string_view d) {
  auto starts = [&](std::string_view p) { return d.substr(0, p.size()) == p; };
  if (starts("4")) return true;
  if (d.size() >= 2) {
    char a = d[0], b = d[1];
    if (a == '5' && b >= '1' && b <= '5') return true;
    if (a == '2' && b >= '2' && b <= '7') return true;
    if (a == '3' && (b == '0' || b == '4' || b == '7' || b == '8')) return true;
  }
  return starts("6011") || starts("65") || starts("62");
}

std::string PercentDecodedLower(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      auto hex = [](char h) -> int {
        if (h >= '0' && h <= '9') return h - '0';
        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
        return -1;
      };
      int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        c = static_cast<char>(hi * 16 + lo);
        i += 2;
      }
    }
    out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  }
  return out;
}

std::unique_ptr<re2::RE2> Compile(const char* pattern) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  return std::make_unique<re2::RE2>(pattern, options);
}

}  // namespace

PiiScrubber::PiiScrubber(const std::vector<std::string>& secret_params) {
  for (const std::string& name : secret_params) secret_params_.insert(PercentDecodedLower(name));
  jwt_ = Compile(R"(eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*)");
  bearer_ = Compile(R"((?i)\b(bearer\s+)([A-Za-z0-9._~+/-]{16,}=*))");
  email_ = Compile(R"([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})");
  ssn_ = Compile(R"(\b\d{3}-\d{2}-\d{4}\b)");
  card_ = Compile(R"(\b\d(?:[ -]?\d){12,18}\b)");
  ipv4_ = Compile(R"(\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b)");
  ipv6_ = Compile(R"([0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})");
  phone_ = Compile(R"((?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ -]?)?\d{2,4}(?:[ -]\d{2,4}){1,4})");
  phone_international_ = Compile(R"(\+\d{1,3}(?:[ .-]\(?\d{1,4}\)?){2,6})");
}

PiiScrubber::~PiiScrubber() = default;

bool PiiScrubber::ok() const {
  for (const auto* re :
       {&jwt_, &bearer_, &email_, &ssn_, &card_, &ipv4_, &ipv6_, &phone_, &phone_international_}) {
    if (!(*re)->ok()) return false;
  }
  return true;
}

namespace {

// What a text has of the characters each kind needs; a kind whose needs are not met is skipped
// without running its regular expression (most texts need one or two of the ten).
struct Shape {
  bool at = false, equals = false, jwt = false, bearer = false;
  size_t number_run_digits = 0;  // most digits in a run of [0-9 ()+.-] (phones, cards, SSNs)
  size_t dotted_run_dots = 0;    // most dots in a run of [0-9.] (IPv4)
  bool ipv6_run = false;         // a run of [0-9A-Fa-f:] with "::" or seven colons
};

// Character classes for ShapeOf, one table lookup per character.
enum : uint8_t {
  kDigit = 1,      // 0-9
  kNumberSep = 2,  // space ( ) + . -: inside phone, card and SSN runs
  kDot = 4,        // .
  kHexLetter = 8,  // a-f A-F
  kColon = 16,     // :
  kMarker = 32,    // @ = J r R: looked at on their own
};

constexpr std::array<uint8_t, 256> kClasses = [] {
  std::array<uint8_t, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = kDigit;
  for (char c : {' ', '(', ')', '+', '-'}) t[static_cast<uint8_t>(c)] = kNumberSep;
  t['.'] = kNumberSep | kDot;
  for (int c = 'a'; c <= 'f'; ++c) t[c] = kHexLetter;
  for (int c = 'A'; c <= 'F'; ++c) t[c] = kHexLetter;
  t[':'] = kColon;
  for (char c : {'@', '=', 'J', 'r', 'R'}) t[static_cast<uint8_t>(c)] = kMarker;
  return t;
}();

Shape ShapeOf(std::string_view text) {
  Shape s;
  size_t number_digits = 0, dotted_dots = 0, hex_colons = 0;
  bool hex_double_colon = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const uint8_t cls = kClasses[static_cast<uint8_t>(c)];
    // Runs: each ends at the first character outside its set.
    if (cls & kDigit) {
      s.number_run_digits = std::max(s.number_run_digits, ++number_digits);
      continue;  // digits continue the dotted and hex runs too
    }
    if (!(cls & kNumberSep)) number_digits = 0;
    if (cls & kDot) {
      s.dotted_run_dots = std::max(s.dotted_run_dots, ++dotted_dots);
    } else {
      dotted_dots = 0;
    }
    if (cls & kColon) {
      ++hex_colons;
      if (i > 0 && text[i - 1] == ':') hex_double_colon = true;
      s.ipv6_run = s.ipv6_run || hex_double_colon || hex_colons >= 7;
    } else if (!(cls & kHexLetter)) {
      hex_colons = 0;
      hex_double_colon = false;
    }
    if (!(cls & kMarker)) continue;
    if (c == '@') {
      s.at = true;
    } else if (c == '=') {
      s.equals = true;
    } else if (c == 'J') {
      s.jwt = s.jwt || (i >= 2 && text[i - 1] == 'y' && text[i - 2] == 'e');
    } else if (i >= 5 && !s.bearer) {  // r or R: the end of "bearer"?
      s.bearer = EqualsIgnoreCase(text.substr(i - 5, 6), "bearer");
    }
  }
  return s;
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
// Ends a parameter's name: = & ; # ? whitespace, and the quote and backslash of JSON text.
bool EndsName(char c) {
  return c == '=' || c == '&' || c == ';' || c == '#' || c == '?' || c == '"' || c == '\\' ||
         IsSpace(c);
}
bool EndsValue(char c) {
  return c == '&' || c == ';' || c == '#' || c == '"' || c == '\\' || IsSpace(c);
}

}  // namespace

uint64_t PiiScrubber::ScrubParams(std::string* text) const {
  std::string out;
  size_t copied = 0;
  uint64_t replaced = 0;
  const std::string_view t(*text);
  for (size_t eq = t.find('='); eq != std::string_view::npos; eq = t.find('=', eq + 1)) {
    size_t begin = eq;
    while (begin > 0 && !EndsName(t[begin - 1])) --begin;
    if (begin == eq) continue;  // no name
    char before = begin > 0 ? t[begin - 1] : '&';
    if (before != '?' && before != '&' && before != ';' && before != '#' && !IsSpace(before)) {
      continue;  // not a parameter: a name must follow a separator or start the text
    }
    size_t end = eq + 1;
    while (end < t.size() && !EndsValue(t[end])) ++end;
    std::string_view value = t.substr(eq + 1, end - eq - 1);
    // Empty, or already redacted (by the agent or an earlier pass).
    if (value.empty() || value.substr(0, 10) == "[REDACTED_") continue;
    if (!secret_params_.count(PercentDecodedLower(t.substr(begin, eq - begin)))) continue;
    out.append(t.substr(copied, eq + 1 - copied));
    out += Placeholder(PiiType::kParam);
    copied = end;
    eq = end - 1;
    ++replaced;
  }
  if (replaced > 0) {
    out.append(t.substr(copied));
    *text = std::move(out);
  }
  return replaced;
}

bool PiiScrubber::Scrub(std::string* text, PiiCounts* counts) const {
  const Shape shape = ShapeOf(*text);
  uint64_t total = 0;
  auto run = [&](PiiType type, bool needed, const re2::RE2& re, auto decide) {
    if (!needed) return;
    uint64_t n = ReplaceEach(re, text, decide);
    (*counts)[static_cast<size_t>(type)] += n;
    total += n;
  };
  if (shape.equals) {
    uint64_t n = ScrubParams(text);
    (*counts)[static_cast<size_t>(PiiType::kParam)] += n;
    total += n;
  }
  run(PiiType::kJwt, shape.jwt, *jwt_, [](auto, auto, auto, const Groups&) {
    return std::optional<std::string>(Placeholder(PiiType::kJwt));
  });
  run(PiiType::kBearer, shape.bearer, *bearer_, [](auto, auto, auto, const Groups& m) {
    return std::optional<std::string>(std::string(m[1].data(), m[1].size()) +
                                      Placeholder(PiiType::kBearer));
  });
  run(PiiType::kEmail, shape.at, *email_, [](auto, auto, auto, const Groups&) {
    return std::optional<std::string>(Placeholder(PiiType::kEmail));
  });
  run(PiiType::kSsn, shape.number_run_digits >= 9, *ssn_, [](auto, auto, auto, const Groups&) {
    return std::optional<std::string>(Placeholder(PiiType::kSsn));
  });
  run(PiiType::kCard, shape.number_run_digits >= 13, *card_,
      [](std::string_view t, size_t start, size_t end,
         const Groups&) -> std::optional<std::string> {
        std::string digits;
        for (char c : t.substr(start, end - start)) {
          if (IsDigit(c)) digits.push_back(c);
        }
        if (!CardPrefix(digits) || !LuhnValid(digits)) return std::nullopt;
        return Placeholder(PiiType::kCard);
      });
  run(PiiType::kIpv4, shape.dotted_run_dots >= 3, *ipv4_,
      [](std::string_view t, size_t start, size_t end,
         const Groups&) -> std::optional<std::string> {
        // Not a part of a longer dotted number (+CC phone numbers, versions).
        if (start > 0 && (t[start - 1] == '+' || t[start - 1] == '.')) {
          return std::nullopt;
        }
        if (end + 1 < t.size() && t[end] == '.' && IsDigit(t[end + 1])) {
          return std::nullopt;
        }
        return Placeholder(PiiType::kIpv4);
      });
  run(PiiType::kIpv6, shape.ipv6_run, *ipv6_,
      [](std::string_view t, size_t start, size_t end,
         const Groups&) -> std::optional<std::string> {
        // Not inside a longer word, version or time: nothing of [\w:.] before,
        // nothing of [\w:] after.
        if (start > 0 && (IsWordChar(t[start - 1]) || t[start - 1] == ':' || t[start - 1] == '.')) {
          return std::nullopt;
        }
        if (end < t.size() && (IsWordChar(t[end]) || t[end] == ':')) {
          return std::nullopt;
        }
        std::string_view m = t.substr(start, end - start);
        if (m.size() <= 2) return std::nullopt;
        size_t double_colons = 0;
        for (size_t p = m.find("::"); p != std::string_view::npos; p = m.find("::", p + 2)) {
          ++double_colons;
        }
        size_t groups = static_cast<size_t>(std::count(m.begin(), m.end(), ':')) + 1;
        bool address = double_colons == 1 || (double_colons == 0 && groups == 8);
        if (!address) return std::nullopt;
        return Placeholder(PiiType::kIpv6);
      });
  auto phone = [](std::string_view t, size_t start, size_t end,
                  const Groups&) -> std::optional<std::string> {
    // Not part of a longer number, version, date-time or word.
    if (start > 0) {
      char before = t[start - 1];
      if (IsWordChar(before) || before == '+' || before == ':' || before == '/') {
        return std::nullopt;
      }
      if ((before == '.' || before == '-' || before == ' ') && start > 1 && IsDigit(t[start - 2])) {
        return std::nullopt;
      }
    }
    if (end < t.size()) {
      char after = t[end];
      if (IsWordChar(after) || after == ':' || after == '/') return std::nullopt;
      if ((after == '.' || after == '-' || after == ' ') && end + 1 < t.size() &&
          IsDigit(t[end + 1])) {
        return std::nullopt;
      }
    }
    std::string_view m = t.substr(start, end - start);
    size_t digits = static_cast<size_t>(std::count_if(m.begin(), m.end(), IsDigit));
    // Nine digits at least (a date has eight), seven with a country code; at most fifteen.
    bool phone = digits <= 15 && (digits >= 9 || (m[0] == '+' && digits >= 7));
    if (!phone) return std::nullopt;
    return Placeholder(PiiType::kPhone);
  };
  run(PiiType::kPhone, shape.number_run_digits >= 7, *phone_, phone);
  run(PiiType::kPhone, shape.number_run_digits >= 7, *phone_international_, phone);
  return total > 0;
}

}  // namespace sightline
