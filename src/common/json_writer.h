// JsonWriter: builds a compact JSON text into a string, escaping strings per RFC 8259.
//
// Usage: w.BeginObject(); w.Key("a"); w.Int(1); w.EndObject(); w.str().
// The writer inserts commas itself; it does not check that calls form valid JSON (a programmer
// error shows up in tests as unparseable output). Objects and arrays nest at most 64 deep.
// Non-finite doubles are written as null.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sightline {

class JsonWriter {
 public:
  JsonWriter() = default;
  // Writes into `buffer` (its contents are dropped, its capacity reused).
  explicit JsonWriter(std::string buffer) : out_(std::move(buffer)) { out_.clear(); }

  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();
  void Key(std::string_view key);
  void String(std::string_view value);
  void Int(int64_t value);
  void Double(double value);
  void Bool(bool value);
  void Null();
  // The number, or null when it is not finite (NaN: no value).
  void NumberOrNull(double value);
  // The string, or null when it is empty (the stores' null).
  void StringOrNull(std::string_view value);
  // Inserts already-serialised JSON as a value.
  void Raw(std::string_view json);

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void BeforeValue();
  std::string out_;
  uint64_t first_in_scope_ = 0;  // bit d: nothing written yet in the open scope at depth d
  int depth_ = 0;                // open objects and arrays
  bool after_key_ = false;
};

// Appends `value` to `out` as a quoted JSON string.
void AppendJsonString(std::string* out, std::string_view value);

}  // namespace sightline
