#include "ingest/stored_row_parser.h"

#include <unordered_map>

namespace sightline {
namespace {

// Reads one JSON object into `row`; returns the problem ("field X: reason") or "".
// `column_at[i]`: the column of the i-th field of the previous row, tried first (rows of one
// file mostly list their fields in the same order).
std::string ReadRow(simdjson::ondemand::document_reference doc, StoredRow* row,
                    std::vector<size_t>* column_at) {
  row->present.reset();
  row->project.clear();
  simdjson::ondemand::object object;
  if (doc.get_object().get(object)) return "not a JSON object";
  size_t position = 0;
  for (auto field_result : object) {
    simdjson::ondemand::field field;
    if (std::move(field_result).get(field)) return "malformed JSON";
    std::string_view key;
    if (field.unescaped_key().get(key)) return "malformed key";
    simdjson::ondemand::value value = field.value();
    bool is_null = false;
    if (value.is_null().get(is_null)) return "field " + std::string(key) + ": malformed value";
    if (key == "project") {
      std::string_view v;
      if (value.get_string().get(v)) return "field project: expected a string";
      row->project.assign(v);
      continue;
    }
    static const std::unordered_map<std::string_view, size_t> kByName = [] {
      std::unordered_map<std::string_view, size_t> by_name;
      for (size_t c = 0; c < kNumColumns; ++c) by_name.emplace(kColumns[c].name, c);
      return by_name;
    }();
    if (position == column_at->size()) column_at->push_back(kNumColumns);
    size_t& guess = (*column_at)[position++];
    if (guess == kNumColumns || kColumns[guess].name != key) {
      auto found = kByName.find(key);
      if (found == kByName.end()) return "field " + std::string(key) + ": not a column";
      guess = found->second;
    }
    const size_t col = guess;
    if (is_null) continue;
    switch (kColumns[col].kind) {
      case ColumnKind::kInt64: {
        int64_t v;
        bool b;
        if (!value.get_int64().get(v)) {
          row->ints[col] = v;
        } else if (!value.get_bool().get(b)) {
          row->ints[col] = b ? 1 : 0;
        } else {
          return "field " + std::string(key) + ": expected an integer";
        }
        break;
      }
      case ColumnKind::kDouble: {
        double v;
        if (value.get_double().get(v)) return "field " + std::string(key) + ": expected a number";
        row->doubles[col] = v;
        break;
      }
      case ColumnKind::kString: {
        std::string_view v;
        if (value.get_string().get(v)) return "field " + std::string(key) + ": expected a string";
        row->strings[col].assign(v);
        break;
      }
    }
    row->present.set(col);
  }
  if (!row->present.test(static_cast<size_t>(ColumnId::ts))) return "field ts: required";
  if (!row->present.test(static_cast<size_t>(ColumnId::type))) return "field type: required";
  return "";
}

}  // namespace

std::string StoredRowParser::Parse(const char* data, size_t size, size_t allocated,
                                   StoredRow* row) {
  simdjson::ondemand::document doc;
  if (parser_.iterate(data, size, allocated).get(doc)) return "not a JSON object";
  return ReadRow(doc, row, &column_at_);
}

}  // namespace sightline
