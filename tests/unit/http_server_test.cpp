// The HTTP listener's limits, in-process with short timeouts: the connection cap (idle connections
// make room, busy ones do not), read and idle timeouts, and oversized requests.

#include "http/http_server.h"

#include <chrono>
#include <future>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <doctest/doctest.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace campus::http_server_test {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A listener on 127.0.0.1 with its own io_context thread; "/slow" takes a second to answer.
class Listener {
 public:
  explicit Listener(HttpServerOptions options) {
    options.metrics = &registry_;
    server_ = std::make_unique<HttpServer>(
        io_, "127.0.0.1", 0,
        [this](const HttpRequest& request) -> boost::asio::awaitable<HttpResponse> {
          if (request.target() == "/slow") {
            boost::asio::steady_timer wait(io_, 1s);
            co_await wait.async_wait(boost::asio::use_awaitable);
          }
          co_return make_response(request, boost::beast::http::status::ok, "text/plain", "ok");
        },
        options);
    server_->start();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Listener() {
    io_.stop();
    thread_.join();
    server_.reset();
  }
  int port() const { return server_->port(); }
  // Read on the listener's own thread: the server is not thread-safe.
  std::size_t connections() {
    std::promise<std::size_t> count;
    boost::asio::post(io_, [&] { count.set_value(server_->connections()); });
    return count.get_future().get();
  }
  std::string metrics() { return prometheus::TextSerializer().Serialize(registry_.Collect()); }

 private:
  boost::asio::io_context io_;
  prometheus::Registry registry_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

int connect_to(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(std::uint16_t(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  return fd;
}

bool send_text(int fd, const std::string& text) {
  return send(fd, text.data(), text.size(), MSG_NOSIGNAL) == ssize_t(text.size());
}

// What the peer sends until it closes, or until `limit` passes.
std::string read_until_closed(int fd, std::chrono::milliseconds limit = 3s) {
  std::string out;
  const auto deadline = Clock::now() + limit;
  char buffer[4096];
  while (Clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    out.append(buffer, std::size_t(n));
  }
  return out;
}

// Whether the peer closed the connection within `limit` (anything it sent is skipped).
bool closed_within(int fd, std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  char buffer[4096];
  while (Clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 20) <= 0) continue;
    if (recv(fd, buffer, sizeof buffer, 0) <= 0) return true;
  }
  return false;
}

std::string get(int port, const std::string& path = "/") {
  const int fd = connect_to(port);
  send_text(fd, "GET " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  std::string answer = read_until_closed(fd);
  close(fd);
  return answer;
}

// Until both of the listener's two connections are answering "/slow".
bool wait_for_busy(Listener& listener) {
  const auto deadline = Clock::now() + 2s;
  while (listener.connections() < 2) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  std::this_thread::sleep_for(200ms);  // their requests reach the handler
  return true;
}

TEST_CASE("at its cap the HTTP listener closes the longest-idle connection for a new one") {
  HttpServerOptions options;
  options.max_connections = 4;
  Listener listener(options);
  std::vector<int> idle;
  for (int i = 0; i < 10; ++i)
    idle.push_back(connect_to(listener.port()));
  CHECK(closed_within(idle.front(), 2s));  // the oldest made room first
  const auto started = Clock::now();
  const std::string answer = get(listener.port());
  CHECK(answer.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(Clock::now() - started < 1s);
  CHECK(listener.connections() <= 4);
  CHECK(listener.metrics().find("campus_http_connections_closed_total{reason=\"evicted\"} 7") !=
        std::string::npos);
  for (int fd : idle)
    close(fd);
}

TEST_CASE("when every connection is busy with a request, the HTTP listener refuses new ones") {
  HttpServerOptions options;
  options.max_connections = 2;
  Listener listener(options);
  std::vector<std::future<std::string>> slow;
  for (int i = 0; i < 2; ++i)
    slow.push_back(std::async(std::launch::async, [&] { return get(listener.port(), "/slow"); }));
  REQUIRE(wait_for_busy(listener));
  const int refused = connect_to(listener.port());
  send_text(refused, "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  const auto asked = Clock::now();
  CHECK(read_until_closed(refused, 2s).empty());  // closed at once, no answer
  CHECK(Clock::now() - asked < 500ms);
  close(refused);
  for (auto& s : slow)
    CHECK(s.get().rfind("HTTP/1.1 200", 0) == 0);
  CHECK(get(listener.port()).rfind("HTTP/1.1 200", 0) == 0);
  CHECK(listener.metrics().find("campus_http_connections_rejected_total{reason=\"cap\"} 1") !=
        std::string::npos);
}

TEST_CASE("a client that trickles its headers (slowloris) is cut off after the read timeout") {
  HttpServerOptions options;
  options.read_timeout = 500ms;
  Listener listener(options);
  const int fd = connect_to(listener.port());
  const auto started = Clock::now();
  send_text(fd, "GET / HTTP/1.1\r\n");
  bool open = true;
  while (open && Clock::now() - started < 3s) {
    std::this_thread::sleep_for(100ms);
    open = send_text(fd, "X-Slow: y\r\n") && !closed_within(fd, 1ms);
  }
  const auto lasted = Clock::now() - started;
  CHECK_FALSE(open);
  CHECK(lasted >= 400ms);
  CHECK(lasted < 1500ms);
  close(fd);

  // A connection that never says anything goes the same way.
  const int silent = connect_to(listener.port());
  CHECK(closed_within(silent, 1500ms));
  close(silent);
  CHECK(
      listener.metrics().find("campus_http_connections_closed_total{reason=\"read_timeout\"} 2") !=
      std::string::npos);
}

TEST_CASE("a kept-alive connection is closed after the idle timeout") {
  HttpServerOptions options;
  options.idle_timeout = 700ms;
  Listener listener(options);
  const int fd = connect_to(listener.port());
  send_text(fd, "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto started = Clock::now();
  CHECK(closed_within(fd, 3s));
  CHECK(Clock::now() - started >= 600ms);
  close(fd);
}

TEST_CASE("oversized requests get 431 or 413 and are closed") {
  HttpServerOptions options;
  options.header_limit = 1024;
  options.body_limit = 1000;
  Listener listener(options);
  auto ask = [&](const std::string& request) {
    const int fd = connect_to(listener.port());
    send_text(fd, request);
    std::string answer = read_until_closed(fd);
    close(fd);
    return answer;
  };
  CHECK(ask("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(4000, 'a') + "\r\n\r\n")
            .rfind("HTTP/1.1 431", 0) == 0);
  CHECK(ask("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'b'))
            .rfind("HTTP/1.1 413", 0) == 0);
  CHECK(ask("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nbb8\r\n" +
            std::string(3000, 'c') + "\r\n0\r\n\r\n")
            .rfind("HTTP/1.1 413", 0) == 0);
  CHECK(ask("POST / HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: 10\r\n\r\n" +
            std::string(10, 'd'))
            .rfind("HTTP/1.1 200", 0) == 0);
}

}  // namespace campus::http_server_test
