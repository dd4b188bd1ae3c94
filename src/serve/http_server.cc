#include "serve/http_server.h"

#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <limits>

#include "common/strings.h"
#include "serve/http_util.h"

namespace sightline {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
// Bound to its I/O thread's io_context: a concrete executor type spares every operation the
// type-erased executor's copies and queries (the default tcp::socket's any_io_executor).
using Socket = asio::basic_stream_socket<tcp, asio::io_context::executor_type>;

namespace {

constexpr size_t kHeaderLimit = 16 * 1024;
constexpr size_t kReadBufferBytes = 16 * 1024;
constexpr size_t kArenaInlineBytes = 4 * 1024;
constexpr int64_t kNoDeadline = std::numeric_limits<int64_t>::max();
constexpr int64_t kLingerUs = 2 * 1000 * 1000;
constexpr auto kSweepInterval = std::chrono::milliseconds(250);
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);

std::string ClientKey(const Socket& socket) {
  boost::system::error_code ec;
  tcp::endpoint peer = socket.remote_endpoint(ec);
  if (ec) return "";
  asio::ip::address addr = peer.address();
  if (addr.is_v4()) {
    auto bytes = addr.to_v4().to_bytes();
    return std::string(bytes.begin(), bytes.end());
  }
  auto bytes = addr.to_v6().to_bytes();
  return std::string(bytes.begin(), bytes.end());
}

bool SafeHeaderValue(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

std::string_view HeaderValue(const Request& req, http::field name) {
  auto it = req.find(name);
  if (it == req.end()) return {};
  return std::string_view(it->value().data(), it->value().size());
}

void AppendInt(std::string* out, uint64_t v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, res.ptr);
}

}  // namespace

std::string_view HttpRequest::header(http::field name) const {
  auto it = raw->find(name);
  if (it == raw->end()) return {};
  return std::string_view(it->value().data(), it->value().size());
}

std::string_view HttpRequest::header(std::string_view name) const {
  auto it = raw->find(boost::beast::string_view(name.data(), name.size()));
  if (it == raw->end()) return {};
  return std::string_view(it->value().data(), it->value().size());
}

std::string_view HttpRequest::header_list(std::string_view name, std::string* scratch) const {
  auto [first, last] = raw->equal_range(boost::beast::string_view(name.data(), name.size()));
  if (first == last) return {};
  if (std::next(first) == last)
    return std::string_view(first->value().data(), first->value().size());
  scratch->clear();
  for (auto it = first; it != last; ++it) {
    if (!scratch->empty()) scratch->append(", ");
    scratch->append(it->value().data(), it->value().size());
  }
  return *scratch;
}

void HttpResponse::Clear() {
  status = 200;
  content_type = "application/json";
  body.clear();
  headers.clear();
  allow_origin.clear();
  close = false;
}

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // Counted in the server's connection_count_ from construction to destruction.
  Connection(HttpServer* server, HttpServer::IoThread* thread, Socket socket)
      : server_(server), thread_(thread), socket_(std::move(socket)), client_(ClientKey(socket_)) {
    server_->connection_count_.fetch_add(1, std::memory_order_relaxed);
    server_->open_connections_.Add(1);
  }

  ~Connection() {
    if (registered_) thread_->connections.erase(self_in_list_);
    server_->connection_count_.fetch_sub(1, std::memory_order_relaxed);
    server_->open_connections_.Add(-1);
  }

  // On the connection's I/O thread.
  void Start() {
    if (server_->stopped_.load(std::memory_order_relaxed)) return;
    // Room for a whole typical request, so that it arrives in one recv (Beast reads 512 bytes at
    // a time into an empty buffer, which cost three system calls and handler steps per beacon).
    buffer_.reserve(kReadBufferBytes);
    self_in_list_ = thread_->connections.insert(thread_->connections.end(), this);
    registered_ = true;
    WaitForRequest();
  }

  void Close() {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  int64_t deadline_us() const { return deadline_us_; }

  std::shared_ptr<const std::atomic<bool>> Abandoned() {
    if (!abandoned_) abandoned_ = std::make_shared<std::atomic<bool>>(false);
    return abandoned_;
  }

  // For a request whose answer is awaited: marks it abandoned once the peer has closed the
  // connection (a peek that reads end-of-stream or an error; pipelined bytes are left alone).
  void CheckAbandoned() {
    if (!abandoned_ || abandoned_->load(std::memory_order_relaxed)) return;
    char byte;
    const ssize_t n = ::recv(socket_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      abandoned_->store(true, std::memory_order_relaxed);
    }
  }

  void Respond(HttpResponse res) {
    response_ = std::move(res);
    Write();
  }

  asio::io_context& io() { return *thread_->io; }

 private:
  int64_t Now() const { return server_->env_->MonotonicMicros(); }

  void WaitForRequest() {
    abandoned_.reset();
    parser_.reset();
    arena_.release();  // the previous request is gone: its memory is reused
    parser_.emplace(std::piecewise_construct, std::make_tuple(RequestAllocator(&arena_)),
                    std::make_tuple(RequestAllocator(&arena_)));
    // The largest any route takes: a route's own limit applies once its header names the route.
    parser_->body_limit(server_->largest_body_limit_);
    parser_->header_limit(kHeaderLimit);
    if (buffer_.size() > 0) {  // a pipelined request is already here
      ReadHeader();
      return;
    }
    deadline_us_ = Now() + int64_t{server_->server_.idle_timeout_ms} * 1000;
    // Reading (not waiting for readability) lets Asio try the socket at once and keep it
    // registered with epoll as it is; a wait would re-arm it with epoll_ctl on every request.
    socket_.async_read_some(buffer_.prepare(kReadBufferBytes),
                            [self = shared_from_this()](boost::system::error_code ec, size_t n) {
                              if (ec) return;  // peer closed, socket error or the idle sweep
                              self->buffer_.commit(n);
                              self->ReadHeader();
                            });
  }

  void ReadHeader() {
    started_us_ = Now();
    deadline_us_ = started_us_ + int64_t{server_->server_.request_timeout_ms} * 1000;
    http::async_read_header(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](boost::system::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(boost::system::error_code ec) {
    if (ec) return OnReadError(ec);
    if (std::optional<Refusal> refusal = CheckFraming()) return Refuse(*refusal);
    if (server_->overloaded_ && Sheddable() && server_->overloaded_()) {
      return Refuse({503,
                     "overloaded",
                     "",
                     "the server is over limits.max_memory_mb; retry after Retry-After",
                     {},
                     {}});
    }
    if (parser_->is_done()) return Dispatch();
    const HttpServer::Route* route = OwnBodyLimitRoute();
    const uint64_t limit = route != nullptr ? route->body_limit : server_->limits_.max_body_bytes;
    if (auto length = parser_->content_length(); length && *length > limit) {
      return OnReadError(http::error::body_limit);
    }
    parser_->body_limit(limit);  // a chunked body is counted as it arrives
    if (route != nullptr && route->check_header && !route->check_header(Request(), &response_)) {
      route_ = route;
      response_.close = true;
      return Write();
    }
    auto& req = parser_->get();
    auto expect = req.find(http::field::expect);
    if (expect != req.end() && boost::beast::iequals(expect->value(), "100-continue")) {
      // Asynchronous like every other write: a client that never reads must not hold the thread.
      static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      return asio::async_write(socket_, asio::buffer(kContinue),
                               [self = shared_from_this()](boost::system::error_code ec, size_t) {
                                 if (!ec) self->ReadBody();
                               });
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(socket_, buffer_, *parser_,
                     [self = shared_from_this()](boost::system::error_code ec, size_t) {
                       if (ec) return self->OnReadError(ec);
                       self->Dispatch();
                     });
  }

  // Whether the request ingests or queries (shed under memory pressure), rather than asking for
  // health, metrics, a static file or a preflight.
  bool Sheddable() const {
    const auto& req = parser_->get();
    if (req.method() == http::verb::options) return false;
    if (req.method() != http::verb::get) return true;
    std::string_view target(req.target().data(), req.target().size());
    return target.substr(0, 5) == "/api/";
  }

  // How the body's length is given, checked once the header is read: a Transfer-Encoding other
  // than "chunked" would leave the body to be read as the next request (RFC 9112 §6.1: 501).
  std::optional<Refusal> CheckFraming() const {
    const auto& req = parser_->get();
    auto coding = req.find(http::field::transfer_encoding);
    if (coding == req.end()) return std::nullopt;
    std::string_view value(coding->value().data(), coding->value().size());
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    if (EqualsIgnoreCase(value, "chunked") && req.count(http::field::transfer_encoding) == 1) {
      return std::nullopt;
    }
    return Refusal{501,
                   "not_implemented",
                   "Transfer-Encoding",
                   "only \"chunked\" is supported as a transfer coding",
                   {},
                   {}};
  }

  const HttpRequest& Request() {
    const auto& req = parser_->get();
    std::string_view target(req.target().data(), req.target().size());
    size_t qmark = target.find('?');
    request_.method = req.method();
    request_.path = target.substr(0, qmark);
    request_.query =
        qmark == std::string_view::npos ? std::string_view() : target.substr(qmark + 1);
    request_.raw = &req;
    request_.client = client_;
    request_.connection = this;
    request_.io_thread = thread_->index;
    request_.io = thread_->io;
    response_.Clear();
    return request_;
  }

  // The route of the request whose header has been read, when it has a body limit of its own.
  const HttpServer::Route* OwnBodyLimitRoute() const {
    const auto& req = parser_->get();
    std::string_view target(req.target().data(), req.target().size());
    const HttpServer::Route* route =
        server_->Match(req.method(), target.substr(0, target.find('?')));
    return route != nullptr && route->body_limit > 0 ? route : nullptr;
  }

  void OnReadError(boost::system::error_code ec) {
    if (ec == http::error::end_of_stream ||
        ec.category() != http::make_error_code(http::error::end_of_stream).category()) {
      return;  // peer closed, socket error or closed by the sweep: drop the connection
    }
    if (ec == http::error::body_limit) {
      const HttpServer::Route* own = OwnBodyLimitRoute();
      const std::string reason =
          "body larger than " +
          (own ? own->body_limit_setting : std::string("limits.max_body_bytes")) + " (" +
          std::to_string(own ? own->body_limit : server_->limits_.max_body_bytes) + " bytes)";
      return Refuse({413, "too_large", "body", reason, {}, {}});
    }
    if (ec == http::error::header_limit) {
      return Refuse({431, "headers_too_large", "", "request headers over 16 KiB", {}, {}});
    }
    const std::string reason = "malformed HTTP request: " + ec.message();
    std::string_view field;
    if (ec == http::error::bad_transfer_encoding) field = "Transfer-Encoding";
    if (ec == http::error::bad_content_length) field = "Content-Length";
    Refuse({400, "bad_request", field, reason, {}, {}});
  }

  // Answers a request the HTTP layer refuses, in its route's way when the route can be told (from
  // the parsed header, or from the bytes of one that did not parse), and closes the connection.
  void Refuse(Refusal refusal) {
    switch (refusal.status) {
      case 413:
        server_->refused_body_too_large_.Inc();
        break;
      case 431:
        server_->refused_headers_too_large_.Inc();
        break;
      case 501:
        server_->refused_not_implemented_.Inc();
        break;
      case 503:
        server_->refused_overloaded_.Inc();
        break;
      default:
        server_->refused_bad_request_.Inc();
    }
    // Beast keeps what it parsed of a header that failed (the request line, the fields before
    // the fault) and consumes those bytes; a request line it could not parse is peeked at.
    RequestHead head;
    const auto& req = parser_->get();
    head.method = req.method();
    head.target = std::string_view(req.target().data(), req.target().size());
    head.origin = HeaderValue(req, http::field::origin);
    head.content_type = HeaderValue(req, http::field::content_type);
    if (head.target.empty()) {
      auto bytes = buffer_.data();
      head =
          PeekRequestHead(std::string_view(static_cast<const char*>(bytes.data()), bytes.size()));
    }
    refusal.origin = head.origin;
    refusal.content_type = head.content_type;
    response_.Clear();
    route_ = server_->Match(head.method, head.target.substr(0, head.target.find('?')));
    if (route_ != nullptr && route_->write_refusal) {
      route_->write_refusal(refusal, &response_);
    } else {
      SetError(&response_, refusal.status, refusal.error, refusal.field, refusal.reason);
    }
    if (refusal.status == 503) response_.headers.emplace_back("Retry-After", "1");
    response_.close = true;
    Write();
  }

  void Dispatch() {
    Request();
    route_ = server_->Match(request_.method, request_.path);
    if (route_ == nullptr) {
      response_.status = 404;
      response_.body = R"({"error":"not_found","reason":"no such endpoint"})";
      return Write();
    }
    if (route_->handler(request_, &response_)) return Write();
    deadline_us_ = kNoDeadline;  // a deferred response: the handler's own limits apply
  }

  void Write() {
    const bool keep_alive = parser_ && parser_->is_header_done() && parser_->get().keep_alive() &&
                            !response_.close && !server_->stopped_.load(std::memory_order_relaxed);
    head_.clear();
    head_ += "HTTP/1.1 ";
    AppendInt(&head_, response_.status);
    head_ += ' ';
    auto reason = http::obsolete_reason(static_cast<http::status>(response_.status));
    head_.append(reason.data(), reason.size());
    head_ += "\r\nServer: sightline";
    if (!response_.content_type.empty()) {
      head_ += "\r\nContent-Type: ";
      head_ += response_.content_type;
    }
    if (response_.status != 304 && response_.status != 204) {  // no body, no length (RFC 9110)
      head_ += "\r\nContent-Length: ";
      AppendInt(&head_, response_.body.size());
    }
    // A value holding CR, LF or NUL would end the header early (response splitting): such a
    // header is left out, whatever put it there.
    if (!response_.allow_origin.empty() && SafeHeaderValue(response_.allow_origin)) {
      head_ += "\r\nAccess-Control-Allow-Origin: ";
      head_ += response_.allow_origin;
      head_ += "\r\nVary: Origin";
    }
    for (const auto& [name, value] : response_.headers) {
      if (!SafeHeaderValue(name) || !SafeHeaderValue(value)) continue;
      head_ += "\r\n";
      head_ += name;
      head_ += ": ";
      head_ += value;
    }
    head_ += keep_alive ? "\r\n\r\n" : "\r\nConnection: close\r\n\r\n";
    deadline_us_ = Now() + int64_t{server_->server_.request_timeout_ms} * 1000;
    std::array<asio::const_buffer, 2> buffers{asio::buffer(head_), asio::buffer(response_.body)};
    asio::async_write(socket_, buffers,
                      [self = shared_from_this(), keep_alive](
                          boost::system::error_code ec, size_t) { self->OnWrite(ec, keep_alive); });
  }

  void OnWrite(boost::system::error_code ec, bool keep_alive) {
    Histogram* latency = route_ ? route_->latency : server_->not_found_latency_;
    latency->Observe(static_cast<double>(Now() - started_us_) / 1e6);
    if (ec) return;
    if (keep_alive) return WaitForRequest();
    Linger();
  }

  // Half-closes and drains what the client still sends, so it reads our response instead of a
  // reset (e.g. after a 413 while the body is still arriving); the sweep ends it after kLingerUs.
  void Linger() {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    deadline_us_ = Now() + kLingerUs;
    buffer_.consume(buffer_.size());
    socket_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](boost::system::error_code ec, size_t) {
                              if (!ec) self->Linger();
                            });
  }

  HttpServer* server_;
  HttpServer::IoThread* thread_;
  Socket socket_;
  std::string client_;
  boost::beast::flat_buffer buffer_;
  // A typical request (headers and a beacon) fits in the inline part; a larger one takes more
  // from the heap until the next request. Declared before parser_, which must not outlive it.
  std::array<std::byte, kArenaInlineBytes> arena_inline_;
  std::pmr::monotonic_buffer_resource arena_{arena_inline_.data(), arena_inline_.size()};
  std::optional<http::request_parser<RequestBody, RequestAllocator>> parser_;
  HttpRequest request_{};
  HttpResponse response_;
  std::string head_;
  const HttpServer::Route* route_ = nullptr;
  int64_t started_us_ = 0;
  int64_t deadline_us_ = kNoDeadline;
  std::list<Connection*>::iterator self_in_list_;
  bool registered_ = false;
  std::shared_ptr<std::atomic<bool>> abandoned_;  // made by AbandonedFlag for the current request
};

Responder Defer(const HttpRequest& req) {
  std::shared_ptr<Connection> conn = req.connection->shared_from_this();
  return [conn](HttpResponse res) mutable {
    asio::io_context& io = conn->io();
    // The shared_ptr moves into the posted handler so the connection is released on the I/O thread.
    asio::post(io, [conn = std::move(conn), res = std::move(res)]() mutable {
      conn->Respond(std::move(res));
    });
  };
}

std::shared_ptr<const std::atomic<bool>> AbandonedFlag(const HttpRequest& req) {
  return req.connection->Abandoned();
}

HeldRequest::HeldRequest(const HttpRequest& req) : conn_(req.connection->shared_from_this()) {}
HeldRequest::~HeldRequest() = default;
HeldRequest::HeldRequest(HeldRequest&&) noexcept = default;
HeldRequest& HeldRequest::operator=(HeldRequest&&) noexcept = default;

void HeldRequest::Respond(HttpResponse res) {
  std::shared_ptr<Connection> conn = std::move(conn_);
  conn->Respond(std::move(res));
}

HttpServer::HttpServer(std::vector<asio::io_context*> ios, Env* env, Logger* logger,
                       MetricsRegistry* metrics, const ServerConfig& server,
                       const LimitsConfig& limits)
    : env_(env),
      logger_(logger),
      metrics_(metrics),
      server_(server),
      limits_(limits),
      acceptor_(*ios.at(0)),
      accept_retry_(*ios.at(0)),
      open_connections_(metrics->AddGauge("sightline_open_connections", "Open HTTP connections")),
      refused_connections_(metrics->AddCounter("sightline_connections_refused_total",
                                               "Connections refused at server.max_connections")),
      timed_out_connections_(metrics->AddCounter(
          "sightline_connections_timed_out_total",
          "Connections closed for idling or sending too slowly (server.*_timeout_ms)")),
      refused_body_too_large_(metrics->AddCounter(
          "sightline_http_refused_total", "Requests refused before reaching an endpoint, by reason",
          "reason=\"body_too_large\"")),
      refused_headers_too_large_(metrics->AddCounter(
          "sightline_http_refused_total", "Requests refused before reaching an endpoint, by reason",
          "reason=\"headers_too_large\"")),
      refused_bad_request_(metrics->AddCounter(
          "sightline_http_refused_total", "Requests refused before reaching an endpoint, by reason",
          "reason=\"bad_request\"")),
      refused_not_implemented_(metrics->AddCounter(
          "sightline_http_refused_total", "Requests refused before reaching an endpoint, by reason",
          "reason=\"not_implemented\"")),
      refused_overloaded_(metrics->AddCounter(
          "sightline_http_refused_total", "Requests refused before reaching an endpoint, by reason",
          "reason=\"overloaded\"")),
      accept_errors_(metrics->AddCounter(
          "sightline_accept_errors_total",
          "Failed accepts (out of file descriptors or memory); accepting resumes after 100 ms")) {
  largest_body_limit_ = limits.max_body_bytes;
  not_found_latency_ =
      &metrics->AddHistogram("sightline_http_request_duration_seconds",
                             "Time from a request's arrival to its response written",
                             LatencyBucketsSeconds(), "route=\"other\"");
  for (size_t idx = 0; idx < ios.size(); ++idx) {
    threads_.push_back(std::make_unique<IoThread>(ios[idx], idx));
  }
}

HttpServer::~HttpServer() = default;

void HttpServer::Handle(http::verb method, std::string path, std::string route, Handler handler) {
  Histogram* latency =
      &metrics_->AddHistogram("sightline_http_request_duration_seconds",
                              "Time from a request's arrival to its response written",
                              LatencyBucketsSeconds(), "route=\"" + route + "\"");
  Route added;
  added.method = method;
  added.path = std::move(path);
  added.prefix = false;
  added.handler = std::move(handler);
  added.latency = latency;
  routes_.push_back(std::move(added));
}

void HttpServer::HandlePrefix(http::verb method, std::string prefix, std::string route,
                              Handler handler) {
  Histogram* latency =
      &metrics_->AddHistogram("sightline_http_request_duration_seconds",
                              "Time from a request's arrival to its response written",
                              LatencyBucketsSeconds(), "route=\"" + route + "\"");
  Route added;
  added.method = method;
  added.path = std::move(prefix);
  added.prefix = true;
  added.handler = std::move(handler);
  added.latency = latency;
  routes_.push_back(std::move(added));
}

void HttpServer::LimitBody(http::verb method, std::string_view path, uint64_t bytes,
                           std::string setting, HeaderCheck check) {
  largest_body_limit_ = std::max(largest_body_limit_, bytes);
  for (Route& route : routes_) {
    if (route.method == method && route.path == path && !route.prefix) {
      route.body_limit = bytes;
      route.body_limit_setting = std::move(setting);
      route.check_header = std::move(check);
    }
  }
}

void HttpServer::WriteRefusalsWith(http::verb method, std::string_view path, RefusalWriter writer) {
  for (Route& route : routes_) {
    if (route.method == method && route.path == path && !route.prefix) {
      route.write_refusal = writer;
    }
  }
}

const HttpServer::Route* HttpServer::Match(http::verb method, std::string_view path) const {
  for (const Route& route : routes_) {
    if (!route.prefix && route.method == method && route.path == path) return &route;
  }
  for (const Route& route : routes_) {
    if (route.prefix && route.method == method && path.substr(0, route.path.size()) == route.path) {
      return &route;
    }
  }
  return nullptr;
}

Result<uint16_t> HttpServer::Start() {
  boost::system::error_code ec;
  asio::ip::address address = asio::ip::make_address(server_.host, ec);
  if (ec) return Status::InvalidArgument("listen: \"" + server_.host + "\" is not an IP address");
  tcp::endpoint endpoint(address, server_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::IOError("cannot listen on " + server_.host + ":" + std::to_string(server_.port) +
                           ": " + ec.message());
  }
  Accept();
  for (auto& thread : threads_) {
    asio::post(*thread->io, [this, thread = thread.get()] { ScheduleSweep(thread); });
  }
  return acceptor_.local_endpoint().port();
}

void HttpServer::Accept() {
  IoThread* thread = threads_[next_thread_].get();
  acceptor_.async_accept(*thread->io, [this, thread](boost::system::error_code ec, Socket socket) {
    if (stopped_.load(std::memory_order_relaxed)) return;
    if (!ec) {
      if (connection_count_.load(std::memory_order_relaxed) >= server_.max_connections) {
        refused_connections_.Inc();
        static const std::string kBusy = [] {
          std::string body =
              R"({"error":"too_many_connections","reason":"server.max_connections reached"})";
          return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                 "Content-Length: " +
                 std::to_string(body.size()) + "\r\nRetry-After: 1\r\nConnection: close\r\n\r\n" +
                 body;
        }();
        boost::system::error_code ignored;
        socket.non_blocking(true, ignored);
        socket.write_some(asio::buffer(kBusy), ignored);
        socket.close(ignored);
      } else {
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        auto conn = std::make_shared<Connection>(this, thread, std::move(socket));
        asio::post(*thread->io, [conn = std::move(conn)] { conn->Start(); });
        next_thread_ = (next_thread_ + 1) % threads_.size();
      }
    } else if (ec != asio::error::operation_aborted) {
      // Out of file descriptors (EMFILE, ENFILE) or memory: retrying at once would spin a core
      // while the error lasts. Waiting connections stay in the listen backlog meanwhile.
      accept_errors_.Inc();
      accept_retry_.expires_after(kAcceptRetryDelay);
      accept_retry_.async_wait([this](boost::system::error_code wait_ec) {
        if (!wait_ec && !stopped_.load(std::memory_order_relaxed)) Accept();
      });
      return;
    }
    Accept();
  });
}

void HttpServer::ScheduleSweep(IoThread* thread) {
  if (stopped_.load(std::memory_order_relaxed)) return;
  thread->sweep_timer.expires_after(kSweepInterval);
  thread->sweep_timer.async_wait([this, thread](boost::system::error_code ec) {
    if (ec || stopped_.load(std::memory_order_relaxed)) return;
    const int64_t now = env_->MonotonicMicros();
    for (Connection* conn : thread->connections) {
      if (now > conn->deadline_us()) {
        timed_out_connections_.Inc();
        conn->Close();
      } else if (conn->deadline_us() == kNoDeadline) {
        conn->CheckAbandoned();
      }
    }
    ScheduleSweep(thread);
  });
}

void HttpServer::CloseConnections(IoThread* thread) {
  thread->sweep_timer.cancel();
  for (Connection* conn : thread->connections) conn->Close();
}

void HttpServer::Stop() {
  stopped_.store(true, std::memory_order_relaxed);
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  accept_retry_.cancel();
  for (auto& thread : threads_) {
    asio::post(*thread->io, [this, thread = thread.get()] { CloseConnections(thread); });
  }
}

}  // namespace sightline
