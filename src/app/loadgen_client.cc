#include "app/loadgen_client.h"

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
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
  // The request is written by hand (header, then body, in one gather write): Beast's serializer
  // cost ~5% of the CPU per request, and the header is fixed but for two fields.
  std::string fixed_header_;  // request line and the fields that never change
  std::string header_;
  std::string body_;
  http::response<http::string_body> res_;
  Clock::time_point sent_at_;
  size_t events_ = 0;            // in the beacon in flight
  std::string_view session_id_;  // of the beacon in flight (a view of body_)
  bool closed_ = false;
};

// The state all connections of one load run share: schedule, generator, counters.
class Run {
 public:
  Run(const LoadOptions& options, Env* env) : options_(options), env_(env), gen_(options.seed) {}

  Status OpenLedger() {
    if (options_.ledger_path.empty()) return Status::Ok();
    Result<std::unique_ptr<AppendFile>> file = env_->OpenAppend(options_.ledger_path);
    if (!file.ok()) return file.status();
    ledger_ = std::move(file).value();
    return Status::Ok();
  }
  // Appends "<fact> <session_id> <count>\n" to the ledger, if there is one.
  void Record(std::string_view fact, std::string_view session_id, int64_t count) {
    if (!ledger_ || !ledger_status_.ok()) return;
    std::string line;
    line.append(fact).append(" ").append(session_id.empty() ? "-" : session_id).append(" ");
    line.append(std::to_string(count)).append("\n");
    ledger_status_ = ledger_->Append(line);
  }
  const Status& ledger_status() const { return ledger_status_; }

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

  // When the next beacon is due: start + k / rate for the k-th, or "now" without pacing; "never"
  // (time_point::max(), until Stop() wakes the waiter) for a beacon due at the deadline or later.
  Clock::time_point TakeTicket() {
    if (options_.rate <= 0) return Clock::time_point::min();
    double offset_s = static_cast<double>(next_ticket_++) / options_.rate;
    Clock::time_point due = start_ + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(offset_s));
    return due < deadline_.expiry() ? due : Clock::time_point::max();
  }

  // The next beacon, and the User-Agent of its visitor.
  std::string NextBeacon(std::string_view* user_agent) {
    std::string beacon = gen_.Next(env_->NowMillis(), options_.key);
    *user_agent = gen_.user_agent();  // Lifetime: until the next call
    return beacon;
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
  std::unique_ptr<AppendFile> ledger_;  // null: no --ledger
  Status ledger_status_;                // the first failed ledger write
};

Connection::Connection(Run* run) : run_(run), stream_(run->ioc()), timer_(run->ioc()) {
  const LoadOptions& options = run->options();
  fixed_header_ = "POST " + options.target.path +
                  " HTTP/1.1\r\nHost: " + options.target.host_header +
                  "\r\nContent-Type: text/plain\r\n";  // what navigator.sendBeacon sends
  if (!options.origin.empty()) fixed_header_ += "Origin: " + options.origin + "\r\n";
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
  std::string_view user_agent;
  body_ = run_->NextBeacon(&user_agent);
  events_ = CountEvents(body_);
  session_id_ = SessionIdOf(body_);
  run_->Record("sent", session_id_, static_cast<int64_t>(events_));
  header_ = fixed_header_;
  header_.append("User-Agent: ").append(user_agent).append("\r\nContent-Length: ");
  header_.append(std::to_string(body_.size())).append("\r\n\r\n");
  sent_at_ = Clock::now();
  stream_.expires_after(std::chrono::seconds(kRequestTimeoutSeconds));
  std::array<asio::const_buffer, 2> request = {asio::buffer(header_), asio::buffer(body_)};
  asio::async_write(stream_, request, [this](error_code ec, size_t) { OnWrite(ec); });
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
    run_->Record("acked", session_id_, AcceptedOf(res_.body()));
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
  for (char c : url) {  // the URL goes into the request line and Host header verbatim
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return invalid("space or control byte");
  }
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
  SL_RETURN_IF_ERROR(run.OpenLedger());
  LoadReport report = run.Execute();
  SL_RETURN_IF_ERROR(run.ledger_status());
  return report;
}

std::string_view SessionIdOf(std::string_view beacon) {
  constexpr std::string_view kKey = "\"session_id\":\"";
  size_t start = beacon.find(kKey);
  if (start == std::string_view::npos) return {};
  start += kKey.size();
  size_t end = beacon.find('"', start);
  return end == std::string_view::npos ? std::string_view() : beacon.substr(start, end - start);
}

int64_t AcceptedOf(std::string_view answer) {
  constexpr std::string_view kKey = "\"accepted\":";
  size_t start = answer.find(kKey);
  if (start == std::string_view::npos) return -1;
  start += kKey.size();
  while (start < answer.size() && answer[start] == ' ') ++start;
  int64_t accepted = -1;
  auto [end, ec] = std::from_chars(answer.data() + start, answer.data() + answer.size(), accepted);
  return ec == std::errc() ? accepted : -1;
}

size_t CountEvents(std::string_view beacon) {
  constexpr std::string_view kKey = "\"events\":[";
  size_t pos = beacon.find(kKey);
  if (pos == std::string_view::npos) return 0;
  // A quote ends a string unless an odd number of backslashes precede it.
  auto escaped = [beacon](size_t quote) {
    size_t backslashes = 0;
    while (quote > backslashes && beacon[quote - backslashes - 1] == '\\') ++backslashes;
    return backslashes % 2 == 1;
  };
  size_t count = 0;
  int depth = 0;  // nesting inside the events array
  for (pos += kKey.size(); pos < beacon.size(); ++pos) {
    switch (beacon[pos]) {
      case '"':  // jump over the string (memchr-fast): most of a beacon's bytes are strings
        do {
          pos = beacon.find('"', pos + 1);
          if (pos == std::string_view::npos) return count;
        } while (escaped(pos));
        break;
      case '{':
        if (depth++ == 0) ++count;
        break;
      case '[':
        ++depth;
        break;
      case '}':
      case ']':
        if (depth-- == 0) return count;
        break;
      default:
        break;
    }
  }
  return count;
}

}  // namespace sightline
