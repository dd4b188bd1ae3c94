// HttpServer: a lean HTTP/1.1 server on Boost.Beast for the collector and the query API.
//
// Threading: the server runs on one or more I/O threads, each running its own io_context. The
// first context accepts; each new connection goes to the next context in turn and stays on that
// thread: its socket operations, its handler calls and the timeout sweep over it run there only,
// so connections need no locks or strands. Handlers are shared by all I/O threads: state they
// keep per thread is indexed by HttpRequest::io_thread. Slow work (queries) is handed to another
// thread by the handler through Defer(); the response is posted back to the connection's thread.
// Costs per request are kept to the parse, the handler and one write: no timer per operation (one
// sweep timer per thread checks its connections' deadlines), no allocation for the response
// object (reused per connection).
//
// Limits (ServerConfig, LimitsConfig): max_connections (more are answered 503 and closed),
// idle_timeout_ms (a keep-alive connection with no request), request_timeout_ms (a request must
// arrive whole within it once its first byte has), body and header sizes (413 / 431).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <memory_resource>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/asio.h"
#include "common/config.h"
#include "common/env.h"
#include "common/logger.h"
#include "common/metrics.h"
#include "common/status.h"

namespace sightline {

namespace http = boost::beast::http;

class Connection;

// A request's header fields and body take their memory from their connection's arena, which is
// reset for the next request instead of going to malloc (and free) for every field.
using RequestAllocator = std::pmr::polymorphic_allocator<char>;
using RequestBody = http::basic_string_body<char, std::char_traits<char>, RequestAllocator>;
using RequestFields = http::basic_fields<RequestAllocator>;
using Request = http::request<RequestBody, RequestFields>;

struct HttpRequest {
  http::verb method;
  std::string_view path;        // target without the query string
  std::string_view query;       // after '?', still percent-encoded
  const Request* raw;           // headers and body
  std::string_view client;      // the peer's address bytes: for rate limiting only, never stored
  Connection* connection;       // for Defer()
  size_t io_thread;             // which I/O thread runs this request: 0 .. io_threads() - 1
  boost::asio::io_context* io;  // that thread's context

  std::string_view header(http::field name) const;
  std::string_view header(std::string_view name) const;  // for fields Beast has no enum for
  // Every line of a field that may be sent as several (X-Forwarded-For, Forwarded), joined in
  // order with ", " (RFC 9110 §5.3) in `scratch` when there is more than one. header() reads the
  // first line only.
  std::string_view header_list(std::string_view name, std::string* scratch) const;
  std::string_view body() const { return raw->body(); }
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When not empty: sent as Access-Control-Allow-Origin, with Vary: Origin. Kept apart from
  // `headers` so that its buffer is reused from request to request.
  std::string allow_origin;
  bool close = false;

  void Clear();
};

// Called on the connection's I/O thread. Fills `res` and returns true, or returns false after
// taking a Responder with Defer() that it (or another thread) calls exactly once later.
using Handler = std::function<bool(const HttpRequest& req, HttpResponse* res)>;
// Called on the connection's I/O thread once a request's header has arrived and before its body
// is read (req.body() is empty): returns true to read the body, or false after filling `res`
// with a refusal (the connection is then closed without reading the body into memory).
using HeaderCheck = std::function<bool(const HttpRequest& req, HttpResponse* res)>;

// A request refused by the HTTP layer before its route ran: malformed, too large, or in a
// transfer coding the server does not take.
struct Refusal {
  unsigned status;
  std::string_view error;         // "too_large", "headers_too_large", "bad_request", ...
  std::string_view field;         // the header or part named ("body", "Transfer-Encoding"), or ""
  std::string_view reason;        // for people
  std::string_view origin;        // the request's Origin header, when it could be read
  std::string_view content_type;  // likewise
};
// Writes a route's answer to a refusal into `res` (status, body, CORS), for routes that pages
// call, which need CORS headers to read it, or that answer in a format of their own (OTLP).
using RefusalWriter = std::function<void(const Refusal& refusal, HttpResponse* res)>;
using Responder = std::function<void(HttpResponse)>;

// A responder for `req`'s connection, callable from any thread once.
Responder Defer(const HttpRequest& req);

// A flag that turns true when the client of `req` (a deferred request) closes its connection
// before the answer: the server looks every 250 ms. Work for nobody can then stop.
std::shared_ptr<const std::atomic<bool>> AbandonedFlag(const HttpRequest& req);

// A request whose handler returned false, answered later on its own I/O thread (no hop through
// the queue as Defer's responder takes). Movable; Respond() exactly once.
class HeldRequest {
 public:
  explicit HeldRequest(const HttpRequest& req);
  ~HeldRequest();
  HeldRequest(HeldRequest&&) noexcept;
  HeldRequest& operator=(HeldRequest&&) noexcept;
  // On the request's I/O thread only.
  void Respond(HttpResponse res);

 private:
  std::shared_ptr<Connection> conn_;
};

class HttpServer {
 public:
  // `ios`: one context per I/O thread (at least one); the caller runs each on its own thread,
  // after Start(). Each context has work (its sweep timer) until Stop().
  HttpServer(std::vector<boost::asio::io_context*> ios, Env* env, Logger* logger,
             MetricsRegistry* metrics, const ServerConfig& server, const LimitsConfig& limits);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Registers a handler for a method and exact path; `route` labels its latency histogram.
  void Handle(http::verb method, std::string path, std::string route, Handler handler);
  // The handler for any path under `prefix` not matched exactly (static files).
  void HandlePrefix(http::verb method, std::string prefix, std::string route, Handler handler);
  // Lets requests to a registered method and path carry bodies of up to `bytes` instead of
  // limits.max_body_bytes; `setting` names the limit in the 413 answer. `check` runs before the
  // body is read (authentication), so that no one buffers a large body without credentials.
  void LimitBody(http::verb method, std::string_view path, uint64_t bytes, std::string setting,
                 HeaderCheck check);
  // How a registered method and path answers the HTTP layer's refusals (default: the JSON error
  // {"error", "field", "reason"} without CORS headers).
  void WriteRefusalsWith(http::verb method, std::string_view path, RefusalWriter writer);

  // While `overloaded` returns true, requests that ingest or query (any method but GET and
  // OPTIONS, and GET under /api/) are answered 503 with Retry-After once their header is read,
  // in their route's way (CORS, OTLP), and the connection closed. Set before Start().
  void ShedWhen(std::function<bool()> overloaded) { overloaded_ = std::move(overloaded); }

  size_t io_threads() const { return threads_.size(); }

  // Binds and starts accepting. Returns the bound port. Errors: IOError.
  Result<uint16_t> Start();
  // Stops accepting and closes every connection; then each context runs out of work. Call on the
  // first I/O thread (a signal handler on its context).
  void Stop();

 private:
  friend class Connection;
  struct Route {
    http::verb method = http::verb::unknown;
    std::string path;
    bool prefix = false;
    Handler handler;
    Histogram* latency = nullptr;
    uint64_t body_limit = 0;  // 0: limits.max_body_bytes
    std::string body_limit_setting;
    HeaderCheck check_header;  // set with a body limit of its own
    RefusalWriter write_refusal;
  };
  // One I/O thread's connections and sweep timer; touched on that thread only.
  struct IoThread {
    IoThread(boost::asio::io_context* io, size_t index) : io(io), index(index), sweep_timer(*io) {}
    boost::asio::io_context* io;
    size_t index;
    boost::asio::steady_timer sweep_timer;
    std::list<Connection*> connections;  // owned by their pending operations (shared_ptr)
  };

  const Route* Match(http::verb method, std::string_view path) const;
  void Accept();
  void ScheduleSweep(IoThread* thread);
  void CloseConnections(IoThread* thread);

  std::vector<std::unique_ptr<IoThread>> threads_;
  size_t next_thread_ = 0;  // where the next accepted connection goes (accepting thread only)
  Env* env_;
  Logger* logger_;
  MetricsRegistry* metrics_;
  ServerConfig server_;
  LimitsConfig limits_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer accept_retry_;  // first thread only: accepting again after an error
  std::vector<Route> routes_;
  uint64_t largest_body_limit_;  // limits.max_body_bytes, or a route's larger own limit
  Histogram* not_found_latency_;
  Gauge& open_connections_;
  Counter& refused_connections_;
  Counter& timed_out_connections_;
  // Requests refused before any route ran: body over limits.max_body_bytes, headers too large,
  // malformed HTTP, a transfer coding other than chunked.
  Counter& refused_body_too_large_;
  Counter& refused_headers_too_large_;
  Counter& refused_bad_request_;
  Counter& refused_not_implemented_;
  Counter& refused_overloaded_;
  Counter& accept_errors_;
  std::function<bool()> overloaded_;  // set by ShedWhen
  std::atomic<size_t> connection_count_{0};
  std::atomic<bool> stopped_{false};
};

}  // namespace sightline
