#include "app/loadgen_client.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <chrono>
#include <memory>
#include <vector>

#include "app/beacon_generator.h"
#include "common/env.h"

namespace sightline {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

constexpr auto kReconnectDelay = std::chrono::milliseconds(100);

class Run;

// One keep-alive connection with at most one request in flight. Lives as long as its Run; every
// handler runs on the Run's single io_context thread.
class Connection {
 public:
  explicit Connection(Run* run);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void Connect();
  void Wake() { timer_.cancel(); }  // ends a pacing or reconnect wait early
  void Abandon();                   // aborts whatever is in flight

 private:
  void OnConnect(error_code ec);
  void Next();
  void Send();
  void OnWrite(error_code ec);
  void OnRead(error_code ec);
  void Fail(error_code ec, bool connecting);
  void Close();

  Run* run_;
  beast::tcp_stream stream_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  Clock::time_point sent_at_;
  size_t events_ = 0;  // in the beacon in flight
  bool closed_ = false;
};

// The state all connections of one load run share: schedule, generator, counters.
class Run {
 public:
  Run(const LoadOptions& options, Env* env) : options_(options), env_(env), gen_(options.seed) {}

  Status Resolve() {
    error_code ec;
    tcp::resolver resolver(ioc_);
    endpoints_ = resolver.resolve(options_.target.host, options_.target.port, ec);
    if (ec)
      return Status::InvalidArgument("cannot resolve " + options_.target.host + ": " +
                                     ec.message());
    return Status::Ok();
  }

  LoadReport Execute() {
    start_ = Clock::now();
    deadline_.expires_at(start_ + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(options_.duration_s)));
    deadline_.async_wait([this](error_code ec) {
      if (!ec) Stop();
    });
    for (int conn_idx = 0; conn_idx < options_.connections; ++conn_idx) {
      connections_.push_back(std::make_unique<Connection>(this));
    }
    active_ = connections_.size();
    for (auto& conn : connections_) conn->Connect();
    ioc_.run();
    Clock::time_point end = report_.latency_us.count() > 0 ? last_answer_ : Clock::now();
    report_.elapsed_s = std::chrono::duration<double>(end - start_).count();
    return std::move(report_);
  }

  asio::io_context& ioc() { return ioc_; }
  const LoadOptions& options() const { return options_; }
  const tcp::resolver::results_type& endpoints() const { return endpoints_; }
  LoadReport& report() { return report_; }
  bool stopping() const { return stopping_; }

  // When the next beacon is due: start + k / rate for the k-th, or "now" without pacing.
  Clock::time_point TakeTicket() {
    if (options_.rate <= 0) return Clock::time_point::min();
    double offset_s = static_cast<double>(next_ticket_++) / options_.rate;
    return start_ +
           std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(offset_s));
  }

  // Fills `req` with the next beacon and its visitor's User-Agent; returns its event count.
  size_t NextBeacon(http::request<http::string_body>* req) {
    req->body() = gen_.Next(env_->NowMillis(), options_.key);
    req->set(http::field::user_agent, gen_.user_agent());
    req->prepare_payload();
    return CountEvents(req->body());
  }

  void Answered() { last_answer_ = Clock::now(); }
  void Failed(const error_code& ec) {
    ++report_.errors;
    if (report_.first_error.empty()) report_.first_error = ec.message();
  }
  void Closed() {
    if (--active_ > 0) return;
    deadline_.cancel();
    grace_.cancel();
  }

 private:
  // At the deadline: no new requests; in-flight ones get kGraceSeconds to finish.
  void Stop() {
    stopping_ = true;
    for (auto& conn : connections_) conn->Wake();
    grace_.expires_after(std::chrono::seconds(kGraceSeconds));
    grace_.async_wait([this](error_code ec) {
      if (ec) return;
      for (auto& conn : connections_) conn->Abandon();
    });
  }

  const LoadOptions& options_;
  Env* env_;
  BeaconGenerator gen_;
  asio::io_context ioc_{1};
  asio::steady_timer deadline_{ioc_};
  asio::steady_timer grace_{ioc_};
  tcp::resolver::results_type endpoints_;
  std::vector<std::unique_ptr<Connection>> connections_;
  size_t active_ = 0;
  bool stopping_ = false;
  uint64_t next_ticket_ = 0;
  Clock::time_point start_, last_answer_;
  LoadReport report_;
};

Connection::Connection(Run* run) : run_(run), stream_(run->ioc()), timer_(run->ioc()) {
  const LoadOptions& options = run->options();
  req_.method(http::verb::post);
  req_.target(options.target.path);
  req_.version(11);
  req_.set(http::field::host, options.target.host_header);
  req_.set(http::field::content_type, "text/plain");  // what navigator.sendBeacon sends
  if (!options.origin.empty()) req_.set(http::field::origin, options.origin);
}

void Connection::Connect() {
  if (run_->stopping()) return Close();
  stream_.expires_after(std::chrono::seconds(kRequestTimeoutSeconds));
  stream_.async_connect(run_->endpoints(),
                        [this](error_code ec, const tcp::endpoint&) { OnConnect(ec); });
}

void Connection::OnConnect(error_code ec) {
  if (ec) return Fail(ec, /*connecting=*/true);
  ++run_->report().connects;
  stream_.socket().set_option(tcp::no_delay(true), ec);
  buffer_.clear();
  Next();
}

void Connection::Next() {
  if (run_->stopping()) return Close();
  Clock::time_point due = run_->TakeTicket();
  if (due <= Clock::now()) return Send();
  timer_.expires_at(due);
  timer_.async_wait([this](error_code) {
    if (run_->stopping()) return Close();
    Send();
  });
}

void Connection::Send() {
  events_ = run_->NextBeacon(&req_);
  sent_at_ = Clock::now();
  stream_.expires_after(std::chrono::seconds(kRequestTimeoutSeconds));
  http::async_write(stream_, req_, [this](error_code ec, size_t) { OnWrite(ec); });
}

void Connection::OnWrite(error_code ec) {
  if (ec) return Fail(ec, /*connecting=*/false);
  ++run_->report().sent;
  res_ = http::response<http::string_body>();
  http::async_read(stream_, buffer_, res_, [this](error_code ec, size_t) { OnRead(ec); });
}

void Connection::OnRead(error_code ec) {
  if (ec) return Fail(ec, /*connecting=*/false);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent_at_);
  LoadReport& report = run_->report();
  report.latency_us.Record(static_cast<uint64_t>(micros.count()));
  run_->Answered();
  if (res_.result_int() == 202) {
    ++report.acknowledged;
    report.events_acknowledged += events_;
  } else {
    ++report.rejected[static_cast<int>(res_.result_int())];
  }
  if (res_.keep_alive()) return Next();
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.close();
  Connect();  // the server asked to close; not an error
}

void Connection::Fail(error_code ec, bool connecting) {
  run_->Failed(ec);
  stream_.close();
  if (run_->stopping()) return Close();
  if (!connecting) return Connect();
  timer_.expires_after(kReconnectDelay);  // don't spin against a closed port
  timer_.async_wait([this](error_code) { Connect(); });
}

void Connection::Abandon() {
  timer_.cancel();
  stream_.close();  // a pending connect, write or read completes with operation_aborted
}

void Connection::Close() {
  if (closed_) return;
  closed_ = true;
  error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
  run_->Closed();
}

}  // namespace

Result<Target> ParseTarget(std::string_view url) {
  auto invalid = [url](std::string_view why) {
    return Status::InvalidArgument("bad --target '" + std::string(url) + "': " + std::string(why));
  };
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme)
    return invalid("expected http://HOST[:PORT][/PATH]");
  std::string_view rest = url.substr(kScheme.size());
  size_t path_at = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_at);
  Target target;
  target.path = path_at == std::string_view::npos ? "" : std::string(rest.substr(path_at));
  if (size_t hash = target.path.find('#'); hash != std::string::npos) target.path.resize(hash);
  if (target.path.empty() || target.path == "/") target.path = "/v1/beacon";
  if (target.path[0] == '?') target.path = "/v1/beacon" + target.path;
  if (authority.empty() || authority.find('@') != std::string_view::npos) {
    return invalid("expected a host (without user info)");
  }
  std::string_view port;
  if (authority[0] == '[') {  // IPv6 literal
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return invalid("unterminated IPv6 address");
    target.host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after[0] != ':') return invalid("junk after the IPv6 address");
    if (!after.empty()) port = after.substr(1);
  } else {
    size_t colon = authority.find(':');
    target.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (target.host.empty()) return invalid("empty host");
  if (!port.empty() || authority.back() == ':') {
    int number = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (ec != std::errc() || end != port.data() + port.size() || number < 1 || number > 65535) {
      return invalid("port must be 1-65535");
    }
  }
  target.port = port.empty() ? "80" : std::string(port);
  target.host_header = authority;
  return target;
}

Result<LoadReport> RunLoad(const LoadOptions& options) {
  Run run(options, Env::Default());
  SL_RETURN_IF_ERROR(run.Resolve());
  return run.Execute();
}

size_t CountEvents(std::string_view beacon) {
  constexpr std::string_view kKey = "\"events\":[";
  size_t at = beacon.find(kKey);
  if (at == std::string_view::npos) return 0;
  size_t count = 0;
  int depth = 0;  // nesting inside the events array
  bool in_string = false;
  for (size_t pos = at + kKey.size(); pos < beacon.size(); ++pos) {
    char c = beacon[pos];
    if (in_string) {
      if (c == '\\') {
        ++pos;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (depth++ == 0 && c == '{') ++count;
    } else if (c == '}' || c == ']') {
      if (depth-- == 0) break;
    }
  }
  return count;
}

}  // namespace sightline
