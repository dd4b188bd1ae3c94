#include "ingest/stored_row_parser.h"

#include <gtest/gtest.h>

namespace sightline {
namespace {

std::string ParseText(std::string_view text, StoredRow* row) {
  static StoredRowParser parser;
  simdjson::padded_string padded(text);
  return parser.Parse(padded.data(), padded.size(), padded.size() + simdjson::SIMDJSON_PADDING,
                      row);
}

size_t Col(ColumnId id) { return static_cast<size_t>(id); }

TEST(StoredRowParserTest, ReadsEveryKindOfColumnAndTheProject) {
  StoredRow row;
  ASSERT_EQ(ParseText(R"({"project":"shop","ts":1795806000000,"type":"vital","name":"LCP",)"
                      R"("value":2400.5,"soft":true,"status":null,"route":"/p/:id"})",
                      &row),
            "");
  EXPECT_EQ(row.project, "shop");
  EXPECT_EQ(row.ints[Col(ColumnId::ts)], 1795806000000);
  EXPECT_EQ(row.strings[Col(ColumnId::type)], "vital");
  EXPECT_EQ(row.doubles[Col(ColumnId::value)], 2400.5);
  EXPECT_EQ(row.ints[Col(ColumnId::soft)], 1);
  EXPECT_FALSE(row.present.test(Col(ColumnId::status)));  // null
  EXPECT_EQ(row.strings[Col(ColumnId::route)], "/p/:id");
  EXPECT_EQ(row.present.count(), 6u);
}

TEST(StoredRowParserTest, NamesTheFieldThatDoesNotFit) {
  StoredRow row;
  const std::pair<std::string_view, std::string_view> cases[] = {
      {R"({"ts":1,"type":"vital","planet":"mars"})", "field planet: not a column"},
      {R"({"ts":1,"type":"vital","value":"fast"})", "field value: expected a number"},
      {R"({"ts":1.5,"type":"vital"})", "field ts: expected an integer"},
      {R"({"ts":1,"type":7})", "field type: expected a string"},
      {R"({"ts":1,"type":"vital","project":3})", "field project: expected a string"},
      {R"({"type":"vital"})", "field ts: required"},
      {R"({"ts":1})", "field type: required"},
      {R"([1,2])", "not a JSON object"},
      {R"({"ts":1,"type":)", "not a JSON object"},  // truncated
  };
  for (const auto& [text, want] : cases) {
    EXPECT_EQ(ParseText(text, &row), want) << text;
  }
  // The parser is reusable after a bad row.
  EXPECT_EQ(ParseText(R"({"ts":2,"type":"custom"})", &row), "");
  EXPECT_EQ(row.ints[Col(ColumnId::ts)], 2);
}

}  // namespace
}  // namespace sightline
