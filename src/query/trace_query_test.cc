#include "query/trace_query.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>

#include "store/embedded_store.h"
#include "store/test_util.h"

namespace sightline {
namespace {

constexpr int64_t kNow = 1795737600000 + 3600000;
constexpr int64_t kCallEnd = kNow - 60000;  // the browser's call ended then (its ts)
const std::string kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";

Event Span(std::string id, std::string parent, std::string service, std::string kind,
           double start_ms, double duration_ms, std::string name) {
  Event e;
  e.type = "span";
  e.trace_id = kTrace;
  e.span_id = std::move(id);
  e.parent_span_id = std::move(parent);
  e.service = std::move(service);
  e.kind = std::move(kind);
  e.start_ns = static_cast<int64_t>(start_ms * 1e6);
  e.ts = e.start_ns / 1000000;
  e.duration = duration_ms;
  e.name = std::move(name);
  return e;
}

class TraceQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EmbeddedStoreOptions options;
    options.dir = JoinPath(dir_.path(), "store");
    options.flush_interval_s = 3600;
    options.compact_interval_s = 0;
    auto opened = EmbeddedStore::Open(&env_, &logger_, &metrics_, options);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();

    // The browser's call took 120 ms; the gateway (whose clock is 130 ms behind, so its span
    // starts before the call did) served it in 50 ms, calling inventory for 20 ms.
    Event call;
    call.type = "api_call";
    call.ts = kCallEnd;
    call.duration = 120;
    call.trace_id = kTrace;
    call.span_id = "a1a1a1a1a1a1a1a1";
    call.method = "POST";
    call.request_url = "https://api.shop.example/checkout";
    call.request_route = "api.shop.example/checkout";
    call.status = 200;
    call.session_id = "s-1";
    call.page_view_id = "pv-1";
    call.route = "/cart";
    const double call_start = kCallEnd - 120;
    std::vector<Event> events = {
        call,
        Span("b2b2b2b2b2b2b2b2", "a1a1a1a1a1a1a1a1", "gateway", "server", call_start - 30, 50,
             "POST /checkout"),
        Span("c3c3c3c3c3c3c3c3", "b2b2b2b2b2b2b2b2", "gateway", "client", call_start - 20, 30,
             "GET"),
        Span("d4d4d4d4d4d4d4d4", "c3c3c3c3c3c3c3c3", "inventory", "server", call_start - 15, 20,
             "GET /stock"),
        Span("e5e5e5e5e5e5e5e5", "d4d4d4d4d4d4d4d4", "inventory", "client", call_start - 12, 5,
             "SELECT stock"),
    };
    events[1].request_route = "/checkout";
    events[1].status = 200;
    events[4].attributes = R"({"db.system":"postgresql","db.statement":"SELECT * FROM stock"})";
    // Another trace's span, and the same span exported twice.
    Event other = events[2];
    other.trace_id = "00000000000000000000000000000001";
    events.push_back(other);
    events.push_back(events[3]);
    ASSERT_TRUE(store_->Append({"shop", events}).ok());
  }

  TempDir dir_;
  ManualClockEnv env_{kNow};
  MetricsRegistry metrics_;
  FILE* log_sink_ = std::tmpfile();
  Logger logger_{Env::Default(), log_sink_, LogLevel::kInfo};
  std::unique_ptr<EmbeddedStore> store_;
};

TEST_F(TraceQueryTest, WaterfallNestsTheBackendUnderTheBrowsersCallWithGaps) {
  TraceQuery query;
  query.project = "shop";
  ASSERT_FALSE(ParseTraceQuery(kTrace, {}, kNow, &query));
  Result<std::string> body = RunTraceQuery(*store_, query);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(*body);
  EXPECT_EQ(std::string_view(root["session_id"]), "s-1");
  EXPECT_EQ(int64_t(root["span_count"]), 5);
  simdjson::dom::array spans = root["spans"];
  std::vector<std::string> order;
  std::vector<int64_t> depths;
  for (simdjson::dom::element s : spans) {
    order.emplace_back(std::string_view(s["span_id"]));
    depths.push_back(int64_t(s["depth"]));
  }
  EXPECT_EQ(order,
            (std::vector<std::string>{"a1a1a1a1a1a1a1a1", "b2b2b2b2b2b2b2b2", "c3c3c3c3c3c3c3c3",
                                      "d4d4d4d4d4d4d4d4", "e5e5e5e5e5e5e5e5"}));
  EXPECT_EQ(depths, (std::vector<int64_t>{0, 1, 2, 3, 4}));
  simdjson::dom::element browser = spans.at(0);
  EXPECT_EQ(std::string_view(browser["source"]), "browser");
  EXPECT_EQ(std::string_view(browser["name"]), "POST api.shop.example/checkout");
  EXPECT_DOUBLE_EQ(double(browser["start_ms"]), 0);
  // The gateway's span started before the call: moved to its middle (35 ms before and after).
  simdjson::dom::element gateway = spans.at(1);
  EXPECT_NEAR(double(gateway["start_ms"]), 35, 0.01);
  EXPECT_NEAR(double(gateway["clock_adjusted_ms"]), 65, 0.01);
  // Its subtree moved with it, and every child lies within its parent.
  for (size_t k = 1; k < 5; ++k) {
    simdjson::dom::element parent = spans.at(k - 1), child = spans.at(k);
    EXPECT_GE(double(child["start_ms"]), double(parent["start_ms"]) - 1e-9);
    EXPECT_LE(double(child["start_ms"]) + double(child["duration_ms"]),
              double(parent["start_ms"]) + double(parent["duration_ms"]) + 1e-9);
  }
  EXPECT_EQ(std::string_view(spans.at(4)["attributes"]["db.system"]), "postgresql");
  simdjson::dom::array gaps = root["gaps"];
  ASSERT_EQ(gaps.size(), 2u);  // browser → gateway, gateway → inventory
  EXPECT_NEAR(double(gaps.at(0)["before_ms"]), 35, 0.01);
  EXPECT_NEAR(double(gaps.at(0)["after_ms"]), 35, 0.01);
  EXPECT_NEAR(double(gaps.at(1)["before_ms"]), 5, 0.01);
  EXPECT_NEAR(double(gaps.at(1)["after_ms"]), 5, 0.01);
}

TEST_F(TraceQueryTest, ServerSpansThatStartInTimeAreNotMovedAndStampPrecisionIsAbsorbed) {
  // A server span that starts inside its call and ends after it (the response closed late) keeps
  // its times; one that starts half a millisecond before the browser's call moves by that much.
  const std::string trace = "0af7651916cd43dd8448eb211c80319c";
  Event call;
  call.type = "api_call";
  call.ts = kCallEnd;
  call.duration = 40;
  call.trace_id = trace;
  call.span_id = "1111111111111111";
  Event late =
      Span("2222222222222222", "1111111111111111", "api", "server", kCallEnd - 30, 31, "a");
  late.trace_id = trace;
  Event call2 = call;
  call2.span_id = "3333333333333333";
  Event early =
      Span("4444444444444444", "3333333333333333", "api", "server", kCallEnd - 40.5, 20, "b");
  early.trace_id = trace;
  ASSERT_TRUE(store_->Append({"shop", {call, late, call2, early}}).ok());
  TraceQuery query;
  query.project = "shop";
  ASSERT_FALSE(ParseTraceQuery(trace, {}, kNow, &query));
  Result<std::string> body = RunTraceQuery(*store_, query);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(*body);
  std::map<std::string, simdjson::dom::element> spans;
  for (simdjson::dom::element s : simdjson::dom::array(root["spans"])) {
    spans[std::string(std::string_view(s["span_id"]))] = s;
  }
  EXPECT_EQ(spans["2222222222222222"]["clock_adjusted_ms"].error(), simdjson::NO_SUCH_FIELD);
  EXPECT_NEAR(
      double(spans["2222222222222222"]["start_ms"]) - double(spans["1111111111111111"]["start_ms"]),
      10, 0.01);
  EXPECT_NEAR(double(spans["4444444444444444"]["clock_adjusted_ms"]), 0.5, 0.01);
  EXPECT_NEAR(double(spans["4444444444444444"]["start_ms"]),
              double(spans["3333333333333333"]["start_ms"]), 0.01);
}

TEST_F(TraceQueryTest, CyclesAndDeepChainsOfParentsAreListedWhole) {
  // Bad data: two spans each the other's parent, and a chain of 50,000 spans below a server span
  // whose clock is behind its client's (so the whole chain is moved).
  const std::string trace = "1af7651916cd43dd8448eb211c80319c";
  auto id = [](size_t k) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016zx", k + 1);
    return std::string(buf);
  };
  std::vector<Event> events;
  events.push_back(Span(id(0), id(1), "a", "internal", kCallEnd - 100, 1, "cycle a"));
  events.push_back(Span(id(1), id(0), "a", "internal", kCallEnd - 99, 1, "cycle b"));
  constexpr size_t kChain = 50000;
  events.push_back(Span(id(2), "", "a", "client", kCallEnd - 40, 30, "call"));
  events.push_back(Span(id(3), id(2), "b", "server", kCallEnd - 60, 10, "served"));
  for (size_t k = 4; k < kChain; ++k) {
    events.push_back(Span(id(k), id(k - 1), "b", "internal", kCallEnd - 59, 1, "c"));
  }
  for (Event& e : events) e.trace_id = trace;
  ASSERT_TRUE(store_->Append({"shop", events}).ok());
  TraceQuery query;
  query.project = "shop";
  ASSERT_FALSE(ParseTraceQuery(trace, {}, kNow, &query));
  Result<std::string> body = RunTraceQuery(*store_, query);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(*body);
  EXPECT_EQ(int64_t(root["span_count"]), static_cast<int64_t>(kChain));
  simdjson::dom::array spans = root["spans"];
  EXPECT_EQ(spans.size(), kChain);
  for (simdjson::dom::element span : spans) {
    if (std::string_view(span["span_id"]) == id(3)) {
      EXPECT_NEAR(double(span["clock_adjusted_ms"]), 30, 0.01);
    }
  }
}

TEST_F(TraceQueryTest, UnknownAndMalformedTraceIds) {
  TraceQuery query;
  query.project = "shop";
  ASSERT_FALSE(ParseTraceQuery("0123456789abcdef0123456789ABCDEF", {}, kNow, &query));
  EXPECT_EQ(query.trace_id, "0123456789abcdef0123456789abcdef");
  Result<std::string> body = RunTraceQuery(*store_, query);
  EXPECT_EQ(body.status().code(), Status::Code::kNotFound);
  EXPECT_TRUE(ParseTraceQuery("xyz", {}, kNow, &query));
  EXPECT_TRUE(ParseTraceQuery(std::string(32, '0'), {}, kNow, &query));
  // The default range reaches a week back.
  ASSERT_FALSE(ParseTraceQuery(kTrace, {}, kNow, &query));
  EXPECT_EQ(query.to_ms - query.from_ms, 7 * 86400000LL);
}

TEST_F(TraceQueryTest, SummariesNameTheServicesAndTheServerSpansDuration) {
  std::vector<TraceSummary> traces(2);
  traces[0].trace_id = kTrace;
  traces[0].browser_span_id = "a1a1a1a1a1a1a1a1";
  traces[1].trace_id = "0000000000000000000000000000abcd";
  ASSERT_TRUE(SummarizeTraces(*store_, "shop", kNow - 3600000, kNow, &traces).ok());
  EXPECT_EQ(traces[0].spans, 5);  // the duplicate counts: summaries do not dedupe
  EXPECT_EQ(traces[0].services, (std::vector<std::string>{"gateway", "inventory"}));
  EXPECT_DOUBLE_EQ(traces[0].backend_ms, 50);
  EXPECT_EQ(traces[1].spans, 0);
  EXPECT_EQ(traces[1].backend_ms, -1);
}

}  // namespace
}  // namespace sightline
