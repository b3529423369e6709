#include "net/curl_driver.h"

#include <boost/asio/post.hpp>

#include "net/curl_handles.h"

namespace campus {

CurlEasy make_curl_easy() {
  CURL* easy = curl_easy_init();
  if (!easy) throw std::bad_alloc();
  return CurlEasy(easy);
}

CurlGlobal::CurlGlobal() {
  curl_global_init(CURL_GLOBAL_DEFAULT);
}
CurlGlobal::~CurlGlobal() {
  curl_global_cleanup();
}

CurlDriver::CurlDriver(boost::asio::io_context& io)
    : io_(io), multi_(curl_multi_init()), timer_(io) {
  if (!multi_) throw std::bad_alloc();
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlDriver::on_socket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlDriver::on_timer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
}

CurlDriver::~CurlDriver() {
  for (auto& [id, transfer] : transfers_)
    curl_multi_remove_handle(multi_, transfer.easy);
  transfers_.clear();
  curl_multi_cleanup(multi_);
  // curl reports CURL_POLL_REMOVE before it closes a socket, so whatever is left here is still
  // open and owned by curl: let go of it without closing it.
  for (auto& [fd, socket] : sockets_) {
    socket->removed = true;
    socket->descriptor.release();
  }
}

CurlDriver::TransferId CurlDriver::start(CURL* easy, Handler done) {
  const TransferId id = next_id_++;
  curl_easy_setopt(easy, CURLOPT_PRIVATE, reinterpret_cast<void*>(static_cast<std::uintptr_t>(id)));
  transfers_.emplace(id, Transfer{easy, std::move(done)});
  const CURLMcode rc = curl_multi_add_handle(multi_, easy);
  if (rc != CURLM_OK) {
    auto node = transfers_.extract(id);
    boost::asio::post(io_, [done = std::move(node.mapped().done)] { done(CURLE_FAILED_INIT); });
  }
  return id;
}

void CurlDriver::cancel(TransferId id) {
  auto node = transfers_.extract(id);
  if (node.empty()) return;
  curl_multi_remove_handle(multi_, node.mapped().easy);
  boost::asio::post(io_,
                    [done = std::move(node.mapped().done)] { done(CURLE_ABORTED_BY_CALLBACK); });
}

int CurlDriver::on_socket(CURL*, curl_socket_t fd, int what, void* self_ptr, void*) {
  auto* self = static_cast<CurlDriver*>(self_ptr);
  auto it = self->sockets_.find(fd);
  if (what == CURL_POLL_REMOVE) {
    if (it != self->sockets_.end()) {
      it->second->removed = true;
      // release() aborts pending waits and deregisters the fd without closing it: curl closes it.
      it->second->descriptor.release();
      self->sockets_.erase(it);
    }
    return 0;
  }
  if (it == self->sockets_.end()) {
    it = self->sockets_.emplace(fd, std::make_shared<Socket>(self->io_, fd)).first;
  }
  it->second->wanted = what;
  self->watch(it->second);
  return 0;
}

int CurlDriver::on_timer(CURLM*, long timeout_ms, void* self_ptr) {
  auto* self = static_cast<CurlDriver*>(self_ptr);
  if (timeout_ms < 0) {
    // No transfer needs a wake-up: cancel it, so that an io_context with nothing else to do can
    // return from run() (the one-shot `probe` command relies on that).
    self->wanted_.reset();
    if (self->armed_) {
      self->armed_.reset();
      self->timer_.cancel();
    }
    return 0;
  }
  const auto now = std::chrono::steady_clock::now();
  self->wanted_ = now + std::chrono::milliseconds(timeout_ms);
  if (timeout_ms == 0) {
    // curl must not be re-entered from its own callback, so "now" is a posted call.
    if (!self->timeout_posted_) {
      self->timeout_posted_ = true;
      boost::asio::post(self->io_, [self] {
        self->timeout_posted_ = false;
        if (self->wanted_ && *self->wanted_ <= std::chrono::steady_clock::now()) self->on_timeout();
      });
    }
    return 0;
  }
  if (!self->armed_ || *self->wanted_ < *self->armed_) self->arm_timer(*self->wanted_);
  return 0;
}

void CurlDriver::arm_timer(std::chrono::steady_clock::time_point when) {
  armed_ = when;
  timer_.expires_at(when);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) on_timer_fired();
  });
}

void CurlDriver::on_timer_fired() {
  armed_.reset();
  if (!wanted_) return;
  if (*wanted_ > std::chrono::steady_clock::now()) {
    arm_timer(*wanted_);  // curl moved its timeout later since the timer was set
    return;
  }
  on_timeout();
}

void CurlDriver::watch(const std::shared_ptr<Socket>& socket) {
  using boost::asio::posix::stream_descriptor;
  if ((socket->wanted & CURL_POLL_IN) && !socket->reading) {
    socket->reading = true;
    socket->descriptor.async_wait(stream_descriptor::wait_read,
                                  [this, socket](const boost::system::error_code& ec) {
                                    socket->reading = false;
                                    if (!ec && !socket->removed) on_ready(socket, true);
                                  });
  }
  if ((socket->wanted & CURL_POLL_OUT) && !socket->writing) {
    socket->writing = true;
    socket->descriptor.async_wait(stream_descriptor::wait_write,
                                  [this, socket](const boost::system::error_code& ec) {
                                    socket->writing = false;
                                    if (!ec && !socket->removed) on_ready(socket, false);
                                  });
  }
}

void CurlDriver::on_ready(const std::shared_ptr<Socket>& socket, bool readable) {
  int running = 0;
  curl_multi_socket_action(multi_, socket->fd, readable ? CURL_CSELECT_IN : CURL_CSELECT_OUT,
                           &running);
  collect_finished();
  // The socket may have been removed, or its interest changed, during socket_action.
  if (!socket->removed) watch(socket);
}

void CurlDriver::on_timeout() {
  wanted_.reset();  // curl sets a new one from within socket_action if it needs one
  int running = 0;
  curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
  collect_finished();
}

void CurlDriver::collect_finished() {
  int left = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_, &left)) {
    if (message->msg != CURLMSG_DONE) continue;
    void* data = nullptr;
    curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &data);
    const auto id = static_cast<TransferId>(reinterpret_cast<std::uintptr_t>(data));
    const CURLcode result = message->data.result;
    CURL* easy = message->easy_handle;
    auto node = transfers_.extract(id);
    curl_multi_remove_handle(multi_, easy);  // invalidates `message`
    if (node.empty()) continue;
    // Posted, so that the handler never runs inside a curl call.
    boost::asio::post(io_, [done = std::move(node.mapped().done), result] { done(result); });
  }
}

}  // namespace campus
