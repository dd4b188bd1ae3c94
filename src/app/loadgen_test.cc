#include "app/loadgen.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "app/beacon_generator.h"
#include "app/latency_histogram.h"
#include "app/loadgen_client.h"

namespace sightline {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

TEST(LoadgenTarget, ParsesHostPortAndPath) {
  Result<Target> t = ParseTarget("http://127.0.0.1:8080");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->host, "127.0.0.1");
  EXPECT_EQ(t->port, "8080");
  EXPECT_EQ(t->path, "/v1/beacon");
  EXPECT_EQ(t->host_header, "127.0.0.1:8080");
  t = ParseTarget("http://collector.example/custom/beacon?x=1");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->port, "80");
  EXPECT_EQ(t->path, "/custom/beacon?x=1");
  t = ParseTarget("http://[::1]:9000/");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->host, "::1");
  EXPECT_EQ(t->path, "/v1/beacon");
  for (const char* bad :
       {"https://x/", "127.0.0.1:80", "http://", "http://h:0/", "http://h:99999", "http://h:80x",
        "http://u@h/", "http://[::1/", "http://h/a b", "http://h/\r\nX: y"}) {
    EXPECT_FALSE(ParseTarget(bad).ok()) << bad;
  }
}

TEST(LoadgenCountEvents, MatchesAParser) {
  BeaconGenerator gen(3);
  simdjson::dom::parser parser;
  for (int beacon_idx = 0; beacon_idx < 500; ++beacon_idx) {
    std::string beacon = gen.Next(1764270000000, "k");
    EXPECT_EQ(CountEvents(beacon), parser.parse(beacon)["events"].get_array().size());
  }
  EXPECT_EQ(CountEvents(R"({"events":[{"a":"}{[\"]"},{"b":[{}]}]})"), 2u);
  EXPECT_EQ(CountEvents("{}"), 0u);
}

TEST(LoadgenLatencyHistogram, QuantilesWithinHalfAPercentOfExact) {
  LatencyHistogram h;
  EXPECT_EQ(h.Quantile(0.5), 0);
  std::mt19937_64 rng(5);
  std::vector<uint64_t> values;
  for (int value_idx = 0; value_idx < 100000; ++value_idx) {
    auto v = static_cast<uint64_t>(std::exp(4 + 2.0 * (rng() >> 11) * 0x1.0p-53 * 4));
    values.push_back(v);
    h.Record(v);
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.01, 0.5, 0.9, 0.99, 0.999, 1.0}) {
    double exact = values[static_cast<size_t>(std::ceil(q * values.size())) - 1];
    EXPECT_NEAR(h.Quantile(q), exact, exact * 0.004 + 0.5) << q;
  }
  EXPECT_EQ(h.max(), values.back());
  EXPECT_EQ(h.count(), values.size());
}

int Loadgen(std::vector<std::string> args, std::string* out = nullptr, std::string* err = nullptr) {
  std::ostringstream o, e;
  int rc = RunLoadgen(args, o, e);
  if (out) *out = o.str();
  if (err) *err = e.str();
  return rc;
}

TEST(LoadgenCommand, ExitCodes) {
  std::string out, err;
  EXPECT_EQ(Loadgen({"--key", "k", "--rate", "10"}, &out, &err), 2);
  EXPECT_NE(err.find("--target"), std::string::npos);
  EXPECT_EQ(
      Loadgen({"--target", "http://127.0.0.1:1", "--key", "k", "--rate", "-1", "--duration", "1"}),
      2);
  EXPECT_EQ(Loadgen({"--bogus", "1"}), 2);
  EXPECT_EQ(Loadgen({"--print-beacon", "--key", "k", "--origin", "https://a\r\nX: y"}), 2);
  EXPECT_EQ(Loadgen({"--print-beacon"}), 2) << "--print-beacon needs --key";
  EXPECT_EQ(Loadgen({"--help"}, &out), 0);
  EXPECT_NE(out.find("usage"), std::string::npos);

  ASSERT_EQ(Loadgen({"loadgen", "--print-beacon", "--key=pk_x"}, &out), 0);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(out).get(doc), simdjson::SUCCESS) << out;
  EXPECT_EQ(std::string_view(doc["key"]), "pk_x");

  // Nothing listens on port 1 of loopback: every connect is refused.
  EXPECT_EQ(Loadgen({"--target", "http://127.0.0.1:1/v1/beacon", "--key", "k", "--rate", "0",
                     "--duration", "0.3", "--connections", "2"},
                    &out, &err),
            1);
  EXPECT_NE(err.find("could not connect"), std::string::npos) << err;
}

// A keep-alive HTTP server on loopback answering 202, and 429 to every 5th request.
class FakeCollector {
 public:
  FakeCollector() : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    Accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~FakeCollector() {
    ioc_.stop();
    thread_.join();
  }
  int port() const { return acceptor_.local_endpoint().port(); }
  int requests() const { return requests_; }
  std::string last_user_agent() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_user_agent_;
  }
  std::string last_content_type() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_content_type_;
  }

 private:
  struct Session {
    explicit Session(tcp::socket s) : stream(std::move(s)) {}
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::response<http::string_body> res;
  };

  void Accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      Read(std::make_shared<Session>(std::move(socket)));
      Accept();
    });
  }
  void Read(std::shared_ptr<Session> s) {  // shared: owned by its pending operation
    s->req = http::request<http::string_body>();
    http::async_read(s->stream, s->buffer, s->req, [this, s](beast::error_code ec, size_t) {
      if (ec) return;
      {
        std::lock_guard<std::mutex> lock(mu_);
        last_user_agent_ = std::string(s->req[http::field::user_agent]);
        last_content_type_ = std::string(s->req[http::field::content_type]);
      }
      bool throttle = ++requests_ % 5 == 0;
      s->res = http::response<http::string_body>(
          throttle ? http::status::too_many_requests : http::status::accepted, 11);
      if (!throttle) {  // as the collector answers
        s->res.body() = "{\"accepted\": " + std::to_string(CountEvents(s->req.body())) + "}";
      }
      s->res.keep_alive(true);
      s->res.prepare_payload();
      http::async_write(s->stream, s->res, [this, s](beast::error_code ec, size_t) {
        if (!ec) Read(s);
      });
    });
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::atomic<int> requests_{0};
  std::mutex mu_;
  std::string last_user_agent_, last_content_type_;
};

TEST(LoadgenRun, PacesAndCountsAnswers) {
  FakeCollector collector;
  LoadOptions options;
  options.target = ParseTarget("http://127.0.0.1:" + std::to_string(collector.port())).value();
  options.key = "k";
  options.rate = 400;
  options.duration_s = 1;
  options.connections = 4;
  Result<LoadReport> run = RunLoad(options);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  const LoadReport& r = run.value();
  EXPECT_EQ(r.errors, 0u) << r.first_error;
  EXPECT_EQ(r.connects, 4u);
  EXPECT_EQ(static_cast<int>(r.sent), collector.requests());
  EXPECT_LE(r.sent, 400u) << "beacons due at the deadline or later are not sent";
  EXPECT_GE(r.sent, 380u);
  EXPECT_EQ(r.acknowledged + r.rejected.at(429), r.sent);
  EXPECT_EQ(r.rejected.at(429), r.sent / 5);
  EXPECT_NEAR(r.elapsed_s, 1.0, 0.1);
  double events_per_beacon = static_cast<double>(r.events_acknowledged) / r.acknowledged;
  EXPECT_GT(events_per_beacon, 8);
  EXPECT_LT(events_per_beacon, 11);
  EXPECT_EQ(r.latency_us.count(), r.sent);
  EXPECT_EQ(collector.last_content_type(), "text/plain");
  EXPECT_NE(collector.last_user_agent().find("Mozilla/5.0"), std::string::npos);
}

TEST(LoadgenRun, LedgerListsEverySentAndAcknowledgedBeacon) {
  FakeCollector collector;
  LoadOptions options;
  options.target = ParseTarget("http://127.0.0.1:" + std::to_string(collector.port())).value();
  options.key = "k";
  options.rate = 200;
  options.duration_s = 0.5;
  options.connections = 2;
  options.ledger_path = testing::TempDir() + "/loadgen-ledger-" + std::to_string(getpid());
  std::remove(options.ledger_path.c_str());
  Result<LoadReport> run = RunLoad(options);
  ASSERT_TRUE(run.ok()) << run.status().ToString();

  std::ifstream ledger(options.ledger_path);
  std::map<std::string, int64_t> sent;  // session id → events
  uint64_t sent_lines = 0, acked_lines = 0, minimal = 0;
  std::string fact, session_id;
  int64_t count = 0;
  while (ledger >> fact >> session_id >> count) {
    if (fact == "sent") {
      ++sent_lines;
      if (session_id == "-") {
        ++minimal;
      } else {
        EXPECT_TRUE(sent.emplace(session_id, count).second) << "one session per beacon";
      }
    } else {
      ASSERT_EQ(fact, "acked");
      ++acked_lines;
      if (session_id == "-") continue;
      ASSERT_TRUE(sent.contains(session_id)) << session_id << " acknowledged before it was sent";
      EXPECT_EQ(count, sent.at(session_id)) << "the answer's accepted count";
    }
  }
  EXPECT_EQ(sent_lines, run->sent);
  EXPECT_EQ(acked_lines, run->acknowledged);
  EXPECT_GT(sent.size(), minimal) << "most generated visitors have a session id";
  std::remove(options.ledger_path.c_str());
}

TEST(LoadgenLedger, SessionIdAndAcceptedCount) {
  EXPECT_EQ(SessionIdOf(R"({"v":1,"key":"k","session_id":"abc","events":[]})"), "abc");
  EXPECT_EQ(SessionIdOf(R"({"v":1,"key":"k","events":[]})"), "");
  EXPECT_EQ(AcceptedOf(R"({"accepted":12,"rejected":[]})"), 12);
  EXPECT_EQ(AcceptedOf(R"({"accepted": 3})"), 3);
  EXPECT_EQ(AcceptedOf(R"({"error":"x"})"), -1);
}

}  // namespace
}  // namespace sightline
