#pragma once
// RAII owners for libcurl handles.

#include <memory>
#include <string>

#include <curl/curl.h>

namespace campus {

struct CurlEasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;

/// A new easy handle; throws std::bad_alloc if libcurl cannot make one.
CurlEasy make_curl_easy();

/// A curl_slist (header list) that frees itself.
class CurlList {
 public:
  CurlList() = default;
  CurlList(const CurlList&) = delete;
  CurlList& operator=(const CurlList&) = delete;
  ~CurlList() { curl_slist_free_all(head_); }
  void append(const std::string& line) {
    curl_slist* next = curl_slist_append(head_, line.c_str());
    if (!next) throw std::bad_alloc();
    head_ = next;
  }
  curl_slist* get() const { return head_; }

 private:
  curl_slist* head_ = nullptr;
};

/// Calls curl_global_init once per process lifetime of this object; the agent holds one.
class CurlGlobal {
 public:
  CurlGlobal();
  ~CurlGlobal();
  CurlGlobal(const CurlGlobal&) = delete;
  CurlGlobal& operator=(const CurlGlobal&) = delete;
};

}  // namespace campus
