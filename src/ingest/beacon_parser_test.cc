#include "ingest/beacon_parser.h"

#include <gtest/gtest.h>

#include "ingest/event_reader.h"
#include "store/event_codec.h"

namespace sightline {
namespace {

constexpr int64_t kNow = 1795806000000;

class BeaconParserTest : public ::testing::Test {
 protected:
  // Parses `body` into out_, and into events_ the accepted events with their inherited context.
  std::optional<BeaconError> Parse(const std::string& body) {
    out_ = ParsedBeacon();
    std::optional<BeaconError> error = parser_.Parse(body, kNow, &out_);
    events_.clear();
    for (size_t idx = 0; idx < out_.batch.events.size(); ++idx) {
      events_.push_back(ResolvedEvent(out_.batch, idx));
    }
    return error;
  }
  static std::string Beacon(const std::string& events, const std::string& extra = "") {
    return R"({"v":1,"key":"k","session_id":"s1","page_view_id":"pv1",)" + extra +
           R"("context":{"url":"https://shop.example/products/42?ref=mail#top","release":"2.4.1",)"
           R"("user":{"id":"u1","tier":"paid"},"flags":["beta","new-checkout"],)"
           R"("network":{"effective_type":"4g","rtt":50,"downlink":10,"save_data":false}},)"
           R"("events":[)" +
           events + "]}";
  }
  static std::string Lcp(double value, int64_t ts = kNow - 1000) {
    return R"({"type":"vital","name":"LCP","ts":)" + std::to_string(ts) +
           ",\"value\":" + std::to_string(value) + "}";
  }

  LimitsConfig limits_;
  BeaconParser parser_{limits_};
  ParsedBeacon out_;
  std::vector<Event> events_;
};

TEST_F(BeaconParserTest, AValidBeaconCarriesItsContextIntoEveryEvent) {
  ASSERT_FALSE(Parse(Beacon(Lcp(2310.5) + "," + Lcp(5000))));
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_EQ(out_.key, "k");
  const Event& e = events_[0];
  EXPECT_EQ(e.type, "vital");
  EXPECT_EQ(e.value, 2310.5);
  EXPECT_EQ(e.rating, "good");  // derived from Google's thresholds when absent
  EXPECT_EQ(events_[1].rating, "poor");
  EXPECT_EQ(e.session_id, "s1");
  EXPECT_EQ(e.release, "2.4.1");
  EXPECT_EQ(e.tier, "paid");
  EXPECT_EQ(e.user_id, "u1");
  EXPECT_EQ(e.flags, std::string("beta") + kFlagSeparator + "new-checkout");
  EXPECT_EQ(e.connection, "4g");
  EXPECT_EQ(e.rtt, 50);
  EXPECT_EQ(e.save_data, 0);
  EXPECT_EQ(e.route, "/products/42");  // query string and fragment dropped
  EXPECT_EQ(e.sample_rate, 1);
  // The context is held once, by the batch: the events inherit it rather than copy it.
  EXPECT_EQ(out_.batch.context.release, "2.4.1");
  EXPECT_TRUE(out_.batch.events[0].release.empty());
  EXPECT_NE(out_.batch.events[0].inherited & ColumnBit(ColumnId::release), 0u);
}

TEST_F(BeaconParserTest, AnInvalidEventIsRejectedAloneWithItsFieldAndReason) {
  std::string events = Lcp(100) + "," + Lcp(-5) + R"(,{"type":"nope","ts":1},)" +
                       R"({"type":"vital","name":"LCP","value":1,"ts":1},)" +
                       R"({"type":"vital","name":"XYZ","value":1,"ts":)" + std::to_string(kNow) +
                       "}," + R"({"type":"vital","name":"CLS","value":100,"ts":)" +
                       std::to_string(kNow) + "}," + R"({"type":"page_view","ts":)" +
                       std::to_string(kNow) + R"(,"timing":{"dns":-1}},)" + R"("not an object",)" +
                       Lcp(300);
  ASSERT_FALSE(Parse(Beacon(events)));
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_EQ(events_[1].value, 300);
  ASSERT_EQ(out_.rejected.size(), 7u);
  auto expect = [&](size_t i, size_t index, const std::string& field, RejectReason code) {
    EXPECT_EQ(out_.rejected[i].index, index);
    EXPECT_EQ(out_.rejected[i].field, field);
    EXPECT_EQ(out_.rejected[i].code, code);
    EXPECT_FALSE(out_.rejected[i].reason.empty());
  };
  expect(0, 1, "value", RejectReason::kInvalidField);
  expect(1, 2, "type", RejectReason::kUnknownType);
  expect(2, 3, "ts", RejectReason::kTimestamp);
  expect(3, 4, "name", RejectReason::kInvalidField);
  expect(4, 5, "value", RejectReason::kInvalidField);
  expect(5, 6, "timing.dns", RejectReason::kInvalidField);
  expect(6, 7, "", RejectReason::kNotAnObject);
}

TEST_F(BeaconParserTest, TimestampsOutsideTheWindowAreRejected) {
  std::string events = Lcp(1, kNow - 25 * 3600 * 1000LL) + "," + Lcp(2, kNow + 10 * 60 * 1000) +
                       "," + Lcp(3, kNow + 60 * 1000);
  ASSERT_FALSE(Parse(Beacon(events)));
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].value, 3);
  ASSERT_EQ(out_.rejected.size(), 2u);
  EXPECT_EQ(out_.rejected[0].field, "ts");
  EXPECT_EQ(out_.rejected[1].field, "ts");
}

TEST_F(BeaconParserTest, LongTextIsTruncatedAtACharacterBoundaryAndFlagged) {
  std::string message;
  for (int idx = 0; idx < 600; ++idx) message += "é";  // 1200 bytes, limit 1024
  std::string events = R"({"type":"error","ts":)" + std::to_string(kNow) + R"(,"message":")" +
                       message + R"(","line":3})";
  ASSERT_FALSE(Parse(Beacon(events)));
  ASSERT_EQ(events_.size(), 1u);
  const Event& e = events_[0];
  EXPECT_EQ(e.message.size(), 1024u);
  EXPECT_EQ(e.truncated, 1);
  EXPECT_EQ(e.kind, "Error");
  ASSERT_EQ(out_.truncated.size(), 1u);
  EXPECT_EQ(out_.truncated[0].index, 0u);
  EXPECT_EQ(out_.truncated[0].field, "message");
}

TEST_F(BeaconParserTest, MinimalConsentDropsEveryIdentifier) {
  ASSERT_FALSE(Parse(Beacon(Lcp(1), R"("consent":"minimal",)")));
  ASSERT_EQ(events_.size(), 1u);
  const Event& e = events_[0];
  EXPECT_EQ(e.consent, "minimal");
  EXPECT_TRUE(e.session_id.empty());
  EXPECT_TRUE(e.page_view_id.empty());
  EXPECT_TRUE(e.user_id.empty());
  EXPECT_EQ(e.release, "2.4.1");  // non-identifying context is kept
}

TEST_F(BeaconParserTest, EveryEventTypeKeepsItsFields) {
  std::string ts = std::to_string(kNow);
  std::string events =
      R"({"type":"page_view","ts":)" + ts +
      R"(,"route":"/products/:id","soft":true,"timing":{"dns":1,"tcp":2,"tls":3,"request":4,"ttfb":5,"dom_interactive":6,"dom_content_loaded":7,"load":8}},)"
      R"({"type":"error","ts":)" +
      ts +
      R"(,"kind":"TypeError","message":"x is undefined","stack":"at f a.js:1:2","file":"a.js","line":847,"column":12,"breadcrumbs":[{"type":"click"}]},)"
      R"({"type":"api_call","ts":)" +
      ts +
      R"(,"method":"GET","url":"https://api.example/v1/cart","status":503,"duration":912.5,"size":4096,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7"},)"
      R"({"type":"action","ts":)" +
      ts +
      R"(,"action":"click","target":"button#pay","feature":"quick-add"},)"
      R"({"type":"custom","ts":)" +
      ts +
      R"(,"name":"checkout","value":129.99,"attributes":{"currency":"EUR"}},)"
      R"({"type":"long_task","ts":)" +
      ts + R"(,"duration":120,"script":"app.js"})";
  ASSERT_FALSE(Parse(Beacon(events)));
  ASSERT_EQ(out_.rejected.size(), 0u) << out_.rejected[0].field << ": " << out_.rejected[0].reason;
  const auto& ev = events_;
  ASSERT_EQ(ev.size(), 6u);
  EXPECT_EQ(ev[0].route, "/products/:id");
  EXPECT_EQ(ev[0].soft, 1);
  EXPECT_EQ(ev[0].load, 8);
  EXPECT_EQ(ev[1].kind, "TypeError");
  EXPECT_EQ(ev[1].line, 847);
  EXPECT_EQ(ev[1].breadcrumbs, R"([{"type":"click"}])");
  EXPECT_EQ(ev[2].request_url, "https://api.example/v1/cart");
  EXPECT_EQ(ev[2].url, "https://shop.example/products/42?ref=mail#top");  // the page's
  EXPECT_EQ(ev[2].status, 503);
  EXPECT_EQ(ev[2].duration, 912.5);
  EXPECT_EQ(ev[2].size, 4096);
  EXPECT_EQ(ev[3].feature, "quick-add");
  EXPECT_EQ(ev[4].attributes, R"({"currency":"EUR"})");
  EXPECT_NE(ev[5].attributes.find("app.js"), std::string::npos);
}

TEST_F(BeaconParserTest, RoutesComeFromThePathOnlyAndFollowAnEventsOwnUrl) {
  std::string ts = std::to_string(kNow);
  std::string events = R"({"type":"vital","name":"LCP","value":1,"ts":)" + ts +
                       R"(,"url":"https://x.example#/cart"},)"
                       R"({"type":"vital","name":"LCP","value":1,"ts":)" +
                       ts +
                       R"(,"url":"https://x.example?next=/a"},)"
                       R"({"type":"page_view","ts":)" +
                       ts +
                       R"(,"url":"https://x.example/orders/7?x=1"},)"
                       R"({"type":"page_view","ts":)" +
                       ts +
                       R"(,"url":"https://x.example/a","route":"/a/:id"},)"
                       R"({"type":"vital","name":"LCP","value":1,"ts":)" +
                       ts +
                       R"(,"url":"https://x.example/app?x=1#!/orders/7?tab=2"},)"
                       R"({"type":"vital","name":"LCP","value":1,"ts":)" +
                       ts + R"(,"url":"https://x.example/app#top"})";
  ASSERT_FALSE(Parse(Beacon(events, R"("x":0,)")));
  ASSERT_EQ(events_.size(), 6u);
  EXPECT_EQ(events_[0].route, "/#/cart");  // a hash router's route (templated in enrichment)
  EXPECT_EQ(events_[1].route, "/");
  EXPECT_EQ(events_[2].route, "/orders/7");
  EXPECT_EQ(events_[3].route, "/a/:id");
  EXPECT_EQ(events_[4].route, "/app#/orders/7");
  EXPECT_EQ(events_[5].route, "/app");  // a fragment that is not a path
}

// An event of an earlier page view than the beacon's (an API call that ended after the route
// changed) names its page's URL: its route follows it, whatever its type.
TEST_F(BeaconParserTest, AnEventsPageUrlGivesItsPageAndRoute) {
  std::string ts = std::to_string(kNow);
  std::string events =
      R"({"type":"api_call","method":"GET","url":"https://api.example/v1/cart","status":200,"duration":5,"ts":)" +
      ts + R"(,"page_url":"https://shop.example/products/42","page_view_id":"pv0"},)" +
      R"({"type":"vital","name":"LCP","value":1,"ts":)" + ts + "}";
  ASSERT_FALSE(Parse(Beacon(events)));
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_EQ(events_[0].request_url, "https://api.example/v1/cart");
  EXPECT_EQ(events_[0].url, "https://shop.example/products/42");
  EXPECT_EQ(events_[0].route, "/products/42");
  EXPECT_EQ(events_[0].page_view_id, "pv0");
  EXPECT_EQ(events_[1].url, "https://shop.example/products/42?ref=mail#top");  // the context's
  EXPECT_EQ(events_[1].page_view_id, "pv1");
}

TEST_F(BeaconParserTest, EventsThatOverrideTheContextSurviveTheWalEncoding) {
  // Events inherit the context's columns unless they have their own value, and the encoder writes
  // inherited columns without comparing them; an event's own url, route, page_view_id or
  // truncation must still be stored as its own.
  std::string ts = std::to_string(kNow);
  std::string vital = R"({"type":"vital","name":"LCP","value":1,"ts":)" + ts;
  std::string events = vital + "}," + vital + R"(,"url":"https://shop.example/b"},)" + vital +
                       "}," + vital + R"(,"route":"/r/:id","page_view_id":"pv2"},)" + vital + "}," +
                       R"({"type":"custom","name":")" + std::string(300, 'n') + R"(","ts":)" + ts +
                       "}," + vital + "}";
  ASSERT_FALSE(Parse(Beacon(events)));
  ASSERT_EQ(events_.size(), 7u);
  std::string encoded;
  EncodeEventBatch(out_.batch, &encoded);
  EventBatch decoded;
  ASSERT_TRUE(DecodeEventBatch(encoded, &decoded).ok());
  ASSERT_EQ(decoded.events.size(), 7u);
  for (size_t idx = 0; idx < 7; ++idx) {
    const Event& want = events_[idx];
    const Event& got = decoded.events[idx];
    EXPECT_EQ(got.url, want.url) << idx;
    EXPECT_EQ(got.route, want.route) << idx;
    EXPECT_EQ(got.page_view_id, want.page_view_id) << idx;
    EXPECT_EQ(got.truncated, want.truncated) << idx;
    EXPECT_EQ(got.session_id, "s1") << idx;
    EXPECT_EQ(got.release, "2.4.1") << idx;
  }
  EXPECT_EQ(decoded.events[1].url, "https://shop.example/b");
  EXPECT_EQ(decoded.events[2].url, decoded.events[0].url);
  EXPECT_EQ(decoded.events[3].route, "/r/:id");
  EXPECT_EQ(decoded.events[3].page_view_id, "pv2");
  EXPECT_EQ(decoded.events[4].page_view_id, "pv1");
  EXPECT_EQ(decoded.events[5].truncated, 1);
  EXPECT_TRUE(IsNull(decoded.events[6].truncated));
}

TEST_F(BeaconParserTest, ARepeatedKeyKeepsItsFirstValueAndLargeObjectsAreReadWhole) {
  std::string ts = std::to_string(kNow);
  std::string padding;  // more members than the reader indexes
  for (int idx = 0; idx < 40; ++idx) padding += "\"x" + std::to_string(idx) + "\":" + "1,";
  std::string events = R"({"type":"vital","name":"LCP","name":"INP","value":5,"ts":)" + ts + "}," +
                       R"({)" + padding + R"("type":"vital","name":"CLS","value":0.5,)" +
                       R"("value":0.7,"ts":)" + ts + "}";
  ASSERT_FALSE(Parse(Beacon(events)));
  ASSERT_EQ(events_.size(), 2u) << (out_.rejected.empty() ? "" : out_.rejected[0].reason);
  EXPECT_EQ(events_[0].name, "LCP");
  EXPECT_EQ(events_[1].name, "CLS");
  EXPECT_EQ(events_[1].value, 0.5);
}

TEST_F(BeaconParserTest, AKeyIsNotTakenForAnotherOfTheSameLengthFirstAndLastByte) {
  // Unknown decoys that differ from a known key only inside (in every part a word compare
  // covers: the middle byte of 3, either half of 4 to 7, each word and the overlapping last word
  // of 8 and more) come first; the known keys must still read their own values.
  std::string ts = std::to_string(kNow);
  std::string events = R"({"type":"page_view","ts":)" + ts +
                       R"(,"timing":{"dxs":-1,"lxad":-1,"loXd":-1,"reqXest":-1,"requesX":-2,)"
                       R"("dom_interXctive":-1,"dom_interactivX":-2,"doX_interactive":-3,)"
                       R"("dns":1,"load":2,"request":3,"dom_interactive":4}})";
  ASSERT_FALSE(Parse(Beacon(events)));
  ASSERT_EQ(out_.rejected.size(), 0u) << out_.rejected[0].field << ": " << out_.rejected[0].reason;
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].dns, 1);
  EXPECT_EQ(events_[0].load, 2);
  EXPECT_EQ(events_[0].request, 3);
  EXPECT_EQ(events_[0].dom_interactive, 4);
}

TEST_F(BeaconParserTest, ARepeatedFlagIsStoredOnce) {
  ASSERT_FALSE(Parse(R"({"v":1,"context":{"flags":["a","b","a"]},"events":[)" + Lcp(1) + "]}"));
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].flags, std::string("a") + kFlagSeparator + "b");
}

TEST_F(BeaconParserTest, BadTraceIdsAreRejected) {
  std::string ts = std::to_string(kNow);
  ASSERT_FALSE(
      Parse(Beacon(R"({"type":"api_call","ts":)" + ts +
                   R"(,"url":"/x","duration":1,"trace_id":"00000000000000000000000000000000"})")));
  ASSERT_EQ(out_.rejected.size(), 1u);
  EXPECT_EQ(out_.rejected[0].field, "trace_id");
}

TEST_F(BeaconParserTest, UnparsableJsonReportsThePosition) {
  auto error = Parse(R"({"v":1,"events":[}])");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->http_status, 400);
  EXPECT_EQ(error->error, "invalid_json");
  EXPECT_EQ(error->position, 17);
}

TEST_F(BeaconParserTest, InvalidUtf8AndDeepNestingFailTheBeacon) {
  auto utf8 = Parse(std::string(R"({"v":1,"events":[],"x":")") + "\xff\xfe" + "\"}");
  ASSERT_TRUE(utf8);
  EXPECT_EQ(utf8->error, "invalid_utf8");
  EXPECT_EQ(utf8->position, 24);
  std::string deep =
      R"({"v":1,"events":[],"x":)" + std::string(40, '[') + std::string(40, ']') + "}";
  auto too_deep = Parse(deep);
  ASSERT_TRUE(too_deep);
  EXPECT_EQ(too_deep->error, "too_deep");
  // limits.max_depth (16) levels of containers, the top-level object counting as one, with a
  // value in the innermost: accepted; one level more: refused.
  auto nested = [](int arrays) {
    return R"({"v":1,"events":[],"x":)" + std::string(arrays, '[') + "1" +
           std::string(arrays, ']') + "}";
  };
  EXPECT_FALSE(Parse(nested(15)));
  auto deeper = Parse(nested(16));
  ASSERT_TRUE(deeper);
  EXPECT_EQ(deeper->error, "too_deep");
}

TEST_F(BeaconParserTest, BeaconLevelFieldsAreChecked) {
  auto version = Parse(R"({"v":2,"events":[]})");
  ASSERT_TRUE(version);
  EXPECT_EQ(version->field, "v");
  auto rate = Parse(R"({"v":1,"sample_rate":0,"events":[]})");
  ASSERT_TRUE(rate);
  EXPECT_EQ(rate->field, "sample_rate");
  auto consent = Parse(R"({"v":1,"consent":"maybe","events":[]})");
  ASSERT_TRUE(consent);
  EXPECT_EQ(consent->field, "consent");
  auto events = Parse(R"({"v":1,"events":{}})");
  ASSERT_TRUE(events);
  EXPECT_EQ(events->field, "events");
  auto context = Parse(R"({"v":1,"context":{"release":5},"events":[]})");
  ASSERT_TRUE(context);
  EXPECT_EQ(context->field, "context.release");
}

TEST_F(BeaconParserTest, TooManyEventsIs413) {
  std::string events;
  for (int idx = 0; idx < 501; ++idx) events += (idx ? "," : "") + Lcp(1);
  auto error = Parse(Beacon(events));
  ASSERT_TRUE(error);
  EXPECT_EQ(error->http_status, 413);
  EXPECT_EQ(error->field, "events");
}

}  // namespace
}  // namespace sightline

namespace sightline {
namespace {

std::string Minified(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element element = parser.parse(json);
  std::string out = "left over";
  MinifyJson(element, &out);
  return out;
}

TEST(MinifyJsonTest, WritesCompactJsonThatReadsBackAsTheSameValue) {
  EXPECT_EQ(
      Minified(R"( { "a" : [ 1 , -2 , 2.5 , true , false , null ] , "b" : { } , "c" : [ ] } )"),
      R"({"a":[1,-2,2.5,true,false,null],"b":{},"c":[]})");
  const std::string tricky =
      R"({"quote\"key":"line\nbreak\ttab \"q\" back\\slash \u0001 é 😀","big":18446744073709551615,)"
      R"("neg":-9223372036854775808,"tiny":5e-324,"huge":1.7976931348623157e308,"third":0.1})";
  const std::string ours = Minified(tricky);
  EXPECT_EQ(ours.find(' ', ours.find("\"big\"")), std::string::npos) << ours;
  simdjson::dom::parser a, b;
  EXPECT_EQ(simdjson::minify(a.parse(ours).value()), simdjson::minify(b.parse(tricky).value()))
      << ours;
}

}  // namespace
}  // namespace sightline
