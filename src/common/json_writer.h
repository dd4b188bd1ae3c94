// JsonWriter: builds a compact JSON text into a string, escaping strings per RFC 8259.
//
// Usage: w.BeginObject(); w.Key("a"); w.Int(1); w.EndObject(); w.str().
// The writer inserts commas itself; it does not check that calls form valid JSON (a programmer
// error shows up in tests as unparseable output). Non-finite doubles are written as null.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sightline {

class JsonWriter {
 public:
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
  // Inserts already-serialised JSON as a value.
  void Raw(std::string_view json);

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void BeforeValue();
  std::string out_;
  std::vector<bool> first_in_scope_;  // one entry per open object/array
  bool after_key_ = false;
};

// Appends `value` to `out` as a quoted JSON string.
void AppendJsonString(std::string* out, std::string_view value);

}  // namespace sightline
