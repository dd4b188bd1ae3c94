#include "app/cli_http.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>

namespace sightline {

namespace beast = boost::beast;
namespace http = beast::http;

std::string UrlEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ',' || c == ':' ||
        c == '/' || c == '*' || c == '!') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

Result<std::pair<unsigned, std::string>> SendRequest(const Target& target, std::string_view method,
                                                     const std::string& token, std::string body,
                                                     std::string_view content_type, int timeout_s) {
  try {
    boost::asio::io_context io;
    boost::asio::ip::tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(timeout_s));
    stream.connect(resolver.resolve(target.host, target.port));
    http::request<http::string_body> req(method == "POST" ? http::verb::post : http::verb::get,
                                         target.path, 11);
    req.set(http::field::host, target.host_header);
    req.set(http::field::authorization, "Bearer " + token);
    if (method == "POST") {
      req.set(http::field::content_type, std::string(content_type));
      req.body() = std::move(body);
      req.prepare_payload();
    }
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    http::read(stream, buffer, parser);
    return std::pair<unsigned, std::string>(parser.get().result_int(),
                                            std::move(parser.get().body()));
  } catch (const std::exception& e) {
    return Status::IOError(target.host + ":" + target.port + ": " + e.what());
  }
}

}  // namespace sightline
