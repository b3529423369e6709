#pragma once
// The agent's one HTTP listener (Boost.Beast on the agent's io_context). Routing is the caller's
// business: every request goes to one handler coroutine.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>  // boost/asio/awaitable.hpp in 1.74 uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>

namespace campus {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

/// Not thread-safe: used on its io_context's thread only.
class HttpServer {
 public:
  using Handler = std::function<boost::asio::awaitable<HttpResponse>(const HttpRequest&)>;

  /// Binds host:port at once (port 0 picks a free port); throws boost::system::system_error when
  /// the address is taken or invalid.
  HttpServer(boost::asio::io_context& io, const std::string& host, std::uint16_t port,
             Handler handler);
  ~HttpServer();

  void start();
  /// Stops accepting; open connections end after their current request.
  void stop();
  std::uint16_t port() const { return port_; }

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  Handler handler_;
  std::uint16_t port_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

/// A plain response with the given status, content type and body.
HttpResponse make_response(const HttpRequest& request, boost::beast::http::status status,
                           std::string content_type, std::string body);

}  // namespace campus
