#include "errors/source_map.h"

#include <simdjson.h>

#include <algorithm>

namespace sightline {
namespace {

constexpr size_t kMaxNesting = 1;  // sections may not nest (an index map's maps are regular)

int8_t Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return static_cast<int8_t>(c - 'A');
  if (c >= 'a' && c <= 'z') return static_cast<int8_t>(c - 'a' + 26);
  if (c >= '0' && c <= '9') return static_cast<int8_t>(c - '0' + 52);
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::string Printable(char c) {
  if (c >= 0x20 && c < 0x7f) return std::string("'") + c + "'";
  char buf[8];
  snprintf(buf, sizeof buf, "0x%02x", static_cast<unsigned char>(c));
  return buf;
}

}  // namespace

// Decodes "mappings" and the arrays it indexes into a SourceMap, section by section.
class SourceMapBuilder {
 public:
  explicit SourceMapBuilder(SourceMap* map) : map_(map) {}

  Status AddMap(simdjson::dom::object object, uint32_t line_offset, uint32_t column_offset,
                size_t depth) {
    int64_t version = 0;
    if (object["version"].get(version) != simdjson::SUCCESS || version != 3) {
      return Status::InvalidArgument("version: must be 3");
    }
    simdjson::dom::array sections;
    if (object["sections"].get(sections) == simdjson::SUCCESS) {
      if (depth >= kMaxNesting) {
        return Status::InvalidArgument("sections: a section's map may not have sections");
      }
      uint32_t previous_line = 0, previous_column = 0;
      size_t index = 0;
      for (simdjson::dom::element section : sections) {
        std::string where = "sections[" + std::to_string(index++) + "]";
        int64_t line = 0, column = 0;
        simdjson::dom::object offset, inner;
        if (section["offset"].get(offset) != simdjson::SUCCESS ||
            offset["line"].get(line) != simdjson::SUCCESS ||
            offset["column"].get(column) != simdjson::SUCCESS || line < 0 || column < 0 ||
            line > UINT32_MAX / 2 || column > UINT32_MAX / 2) {
          return Status::InvalidArgument(
              where + ".offset: must be {line, column} of non-negative integers");
        }
        if (line < previous_line || (line == previous_line && column < previous_column)) {
          return Status::InvalidArgument(where + ".offset: sections must be in order");
        }
        previous_line = static_cast<uint32_t>(line);
        previous_column = static_cast<uint32_t>(column);
        if (section["map"].get(inner) != simdjson::SUCCESS) {
          return Status::InvalidArgument(where +
                                         ".map: must be a source map object (\"url\" "
                                         "sections are not supported)");
        }
        Status s = AddMap(inner, line_offset + previous_line, previous_column, depth + 1);
        if (!s.ok()) return Status::InvalidArgument(where + ".map." + s.message());
      }
      return Status::Ok();
    }

    std::string_view root;
    if (auto r = object["sourceRoot"]; r.error() == simdjson::SUCCESS && !r.is_null()) {
      if (r.get(root) != simdjson::SUCCESS) {
        return Status::InvalidArgument("sourceRoot: must be a string");
      }
    }
    simdjson::dom::array sources;
    if (object["sources"].get(sources) != simdjson::SUCCESS) {
      return Status::InvalidArgument("sources: must be an array of strings");
    }
    const size_t source_base = map_->sources_.size();
    for (simdjson::dom::element e : sources) {
      auto source = std::make_unique<SourceMap::Source>();
      std::string_view name;
      if (e.get(name) == simdjson::SUCCESS) {
        if (!root.empty() && name.find("://") == std::string_view::npos) {
          source->name = std::string(root);
          if (source->name.back() != '/') source->name += '/';
        }
        source->name += name;
      } else if (!e.is_null()) {
        return Status::InvalidArgument("sources: must be an array of strings");
      }
      map_->sources_.push_back(std::move(source));
    }
    simdjson::dom::array contents;
    if (auto c = object["sourcesContent"]; c.error() == simdjson::SUCCESS && !c.is_null()) {
      if (c.get(contents) != simdjson::SUCCESS) {
        return Status::InvalidArgument("sourcesContent: must be an array of strings or nulls");
      }
      size_t i = source_base;
      for (simdjson::dom::element e : contents) {
        if (i >= map_->sources_.size()) {
          return Status::InvalidArgument("sourcesContent: longer than sources");
        }
        std::string_view text;
        if (e.get(text) == simdjson::SUCCESS) {
          map_->sources_[i]->content = std::string(text);
          map_->sources_[i]->has_content = true;
        } else if (!e.is_null()) {
          return Status::InvalidArgument("sourcesContent: must be an array of strings or nulls");
        }
        ++i;
      }
    }
    const size_t name_base = map_->names_.size();
    simdjson::dom::array names;
    if (auto n = object["names"]; n.error() == simdjson::SUCCESS) {
      if (n.get(names) != simdjson::SUCCESS) {
        return Status::InvalidArgument("names: must be an array of strings");
      }
      for (simdjson::dom::element e : names) {
        std::string_view name;
        if (e.get(name) != simdjson::SUCCESS) {
          return Status::InvalidArgument("names: must be an array of strings");
        }
        map_->names_.emplace_back(name);
      }
    }
    std::string_view mappings;
    if (object["mappings"].get(mappings) != simdjson::SUCCESS) {
      return Status::InvalidArgument("mappings: must be a string");
    }
    return DecodeMappings(mappings, line_offset, column_offset, source_base,
                          map_->sources_.size() - source_base, name_base,
                          map_->names_.size() - name_base);
  }

  Status DecodeMappings(std::string_view text, uint32_t line_offset, uint32_t column_offset,
                        size_t source_base, size_t source_count, size_t name_base,
                        size_t name_count) {
    map_->mappings_.reserve(map_->mappings_.size() + text.size() / 5);  // about 5 bytes a segment
    uint32_t line = 0;
    int64_t column = 0, source = 0, original_line = 0, original_column = 0, name = 0;
    int64_t fields[5];
    size_t n = 0;
    size_t pos = 0;
    auto fail = [&](const std::string& what) {
      return Status::InvalidArgument("mappings: " + what + " at offset " + std::to_string(pos));
    };
    auto finish_segment = [&]() -> Status {
      if (n == 0) return Status::Ok();
      if (n != 1 && n != 4 && n != 5) {
        return fail("a segment has " + std::to_string(n) + " fields (must be 1, 4 or 5)");
      }
      column += fields[0];
      if (column < 0 || column > UINT32_MAX / 2) return fail("generated column out of range");
      SourceMap::Mapping m;
      m.generated_line = line_offset + line;
      m.generated_column = static_cast<uint32_t>(column + (line == 0 ? column_offset : 0));
      if (n >= 4) {
        source += fields[1];
        original_line += fields[2];
        original_column += fields[3];
        if (source < 0 || static_cast<size_t>(source) >= source_count) {
          return fail("source index " + std::to_string(source) + " is not in sources (" +
                      std::to_string(source_count) + ")");
        }
        if (original_line < 0 || original_column < 0 || original_line > UINT32_MAX / 2 ||
            original_column > UINT32_MAX / 2) {
          return fail("original line or column out of range");
        }
        m.source = static_cast<int32_t>(source_base + source);
        m.original_line = static_cast<uint32_t>(original_line);
        m.original_column = static_cast<uint32_t>(original_column);
      }
      if (n == 5) {
        name += fields[4];
        if (name < 0 || static_cast<size_t>(name) >= name_count) {
          return fail("name index " + std::to_string(name) + " is not in names (" +
                      std::to_string(name_count) + ")");
        }
        m.name = static_cast<int32_t>(name_base + name);
      }
      map_->mappings_.push_back(m);
      n = 0;
      return Status::Ok();
    };
    for (; pos < text.size();) {
      char c = text[pos];
      if (c == ';' || c == ',') {
        SL_RETURN_IF_ERROR(finish_segment());
        if (c == ';') {
          ++line;
          column = 0;
          if (line_offset + static_cast<uint64_t>(line) > UINT32_MAX / 2) {
            return fail("too many lines");
          }
        }
        ++pos;
        continue;
      }
      // One Base64 VLQ value: 5 bits per character, least significant first; bit 5 continues.
      uint64_t value = 0;
      int shift = 0;
      for (;;) {
        if (pos >= text.size()) return fail("a value ends in the middle");
        int8_t digit = Base64Value(text[pos]);
        if (digit < 0) return fail("invalid Base64 character " + Printable(text[pos]));
        ++pos;
        if (shift > 30) return fail("a value does not fit in 32 bits");
        value |= static_cast<uint64_t>(digit & 31) << shift;
        shift += 5;
        if (!(digit & 32)) break;
      }
      if (n == 5) return fail("a segment has more than 5 fields");
      const int64_t magnitude = static_cast<int64_t>(value >> 1);
      fields[n++] = (value & 1) ? -magnitude : magnitude;
    }
    return finish_segment();
  }

  void Finish() {
    auto& m = map_->mappings_;
    auto before = [](const auto& a, const auto& b) {
      return a.generated_line != b.generated_line ? a.generated_line < b.generated_line
                                                  : a.generated_column < b.generated_column;
    };
    // Bundlers write segments in order; sort only the maps that are not.
    if (!std::is_sorted(m.begin(), m.end(), before)) std::stable_sort(m.begin(), m.end(), before);
    m.shrink_to_fit();
    size_t bytes = sizeof(SourceMap) + m.capacity() * sizeof(SourceMap::Mapping);
    for (const auto& s : map_->sources_) {
      // Content, its line starts and function ranges (about one per 200 bytes).
      bytes += sizeof(SourceMap::Source) + s->name.capacity() + s->content.capacity() * 5 / 4;
    }
    for (const std::string& name : map_->names_) bytes += sizeof(std::string) + name.capacity();
    map_->memory_bytes_ = bytes;
  }

 private:
  SourceMap* map_;
};

std::string Base64Vlq(int64_t value) {
  static constexpr char kDigits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  // Sign in the lowest bit, then 5 bits per digit, least significant first; bit 5 continues.
  uint64_t x =
      value < 0 ? (static_cast<uint64_t>(-value) << 1) | 1 : static_cast<uint64_t>(value) << 1;
  std::string out;
  do {
    int digit = static_cast<int>(x & 31);
    x >>= 5;
    if (x) digit |= 32;
    out += kDigits[digit];
  } while (x);
  return out;
}

Result<std::shared_ptr<const SourceMap>> SourceMap::Parse(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto error = parser.parse(json.data(), json.size()).get(root)) {
    return Status::InvalidArgument(std::string("body: not JSON (") +
                                   simdjson::error_message(error) + ")");
  }
  simdjson::dom::object object;
  if (root.get(object) != simdjson::SUCCESS) {
    return Status::InvalidArgument("body: must be a JSON object");
  }
  auto map = std::make_shared<SourceMap>();
  SourceMapBuilder builder(map.get());
  SL_RETURN_IF_ERROR(builder.AddMap(object, 0, 0, 0));
  builder.Finish();
  return std::shared_ptr<const SourceMap>(std::move(map));
}

std::optional<OriginalPosition> SourceMap::Lookup(int64_t line, int64_t column) const {
  if (line < 1 || column < 1 || line > UINT32_MAX) return std::nullopt;
  // The last segment at or before (line, column): mappings_ is ordered by both. Lines are not
  // indexed densely, so an offset far down a file (index maps) costs nothing.
  const uint32_t generated_line = static_cast<uint32_t>(line - 1);
  const uint32_t generated_column =
      static_cast<uint32_t>(std::min<int64_t>(column - 1, UINT32_MAX));
  auto it = std::upper_bound(mappings_.begin(), mappings_.end(),
                             std::pair{generated_line, generated_column},
                             [](const std::pair<uint32_t, uint32_t>& at, const Mapping& m) {
                               return at.first != m.generated_line ? at.first < m.generated_line
                                                                   : at.second < m.generated_column;
                             });
  if (it == mappings_.begin() || (it - 1)->generated_line != generated_line) return std::nullopt;
  const Mapping& m = *(it - 1);
  if (m.source < 0) return std::nullopt;
  OriginalPosition p;
  p.source = static_cast<uint32_t>(m.source);
  p.line = static_cast<int64_t>(m.original_line) + 1;
  p.column = static_cast<int64_t>(m.original_column) + 1;
  if (m.name >= 0) p.name = names_[m.name];
  return p;
}

const SourceMap::Source& SourceMap::Indexed(uint32_t i) const {
  const Source& s = *sources_[i];
  std::call_once(s.indexed, [&s] {
    s.line_starts.push_back(0);
    for (size_t k = 0; k < s.content.size(); ++k) {
      if (s.content[k] == '\n') s.line_starts.push_back(static_cast<uint32_t>(k + 1));
    }
    // A final newline ends the last line; it does not start another.
    if (s.line_starts.size() > 1 && s.line_starts.back() == s.content.size())
      s.line_starts.pop_back();
    s.functions = FindFunctions(s.content);
  });
  return s;
}

std::string SourceMap::FunctionAt(uint32_t source, int64_t line, int64_t column) const {
  if (source >= sources_.size() || !sources_[source]->has_content) return {};
  const Source& s = Indexed(source);
  if (line < 1 || static_cast<size_t>(line) > s.line_starts.size()) return {};
  const uint64_t offset =
      s.line_starts[line - 1] + static_cast<uint64_t>(std::max<int64_t>(column - 1, 0));
  // The innermost range holding the offset: the one that begins last among those that do.
  const FunctionRange* innermost = nullptr;
  const FunctionRange* named = nullptr;
  for (const FunctionRange& f : s.functions) {
    if (f.begin > offset) break;
    if (offset <= f.end) {
      innermost = &f;
      if (f.name != "<anonymous>") named = &f;
    }
  }
  if (!innermost) return {};
  if (innermost == named || !named) return innermost->name;
  return named->name + "/<anonymous>";
}

std::optional<SourceContext> SourceMap::Context(uint32_t source, int64_t line, size_t n) const {
  if (source >= sources_.size() || !sources_[source]->has_content) return std::nullopt;
  const Source& s = Indexed(source);
  const size_t lines = s.line_starts.size();
  if (line < 1 || static_cast<size_t>(line) > lines) return std::nullopt;
  auto text = [&](size_t i) {  // line i, 0-based, without its newline, cut at a UTF-8 boundary
    size_t begin = s.line_starts[i];
    size_t end = i + 1 < lines ? s.line_starts[i + 1] - 1 : s.content.size();
    if (end > begin && s.content[end - 1] == '\n') --end;
    if (end > begin && s.content[end - 1] == '\r') --end;
    if (end - begin > 200) {
      end = begin + 200;
      while (end > begin && (static_cast<unsigned char>(s.content[end]) & 0xC0) == 0x80) --end;
    }
    return s.content.substr(begin, end - begin);
  };
  SourceContext context;
  const size_t at = static_cast<size_t>(line - 1);
  n = std::min<size_t>(n, lines);
  for (size_t i = at >= n ? at - n : 0; i < at; ++i) context.pre.push_back(text(i));
  context.line = text(at);
  for (size_t i = at + 1; i < lines && i <= at + n; ++i) context.post.push_back(text(i));
  return context;
}

}  // namespace sightline
