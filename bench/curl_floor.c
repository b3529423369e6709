/* The floor for an HTTP prober: libcurl's multi interface doing GETs at a fixed rate, a fresh
 * connection per request (as a prober must), and nothing else. Prints the requests done and the
 * CPU they took, for comparison with campus-probe and blackbox_exporter.
 *
 *   curl_floor URL RATE SECONDS [CA_FILE]
 *
 * Also used to drive blackbox_exporter's /probe endpoint at a fixed rate (its CPU is measured from
 * /proc by bench/run.sh, this program's own CPU is then irrelevant). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include <curl/curl.h>

static size_t discard(char* data, size_t size, size_t count, void* user) {
  (void)data;
  (void)user;
  return size * count;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_seconds(void) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return (double)usage.ru_utime.tv_sec + (double)usage.ru_utime.tv_usec / 1e6 +
         (double)usage.ru_stime.tv_sec + (double)usage.ru_stime.tv_usec / 1e6;
}

static void add(CURLM* multi, const char* url, const char* ca) {
  CURL* easy = curl_easy_init();
  curl_easy_setopt(easy, CURLOPT_URL, url);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 10000L);
  if (ca) curl_easy_setopt(easy, CURLOPT_CAINFO, ca);
  curl_multi_add_handle(multi, easy);
}

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: curl_floor URL RATE SECONDS [CA_FILE]\n");
    return 2;
  }
  const char* url = argv[1];
  const double rate = atof(argv[2]);
  const double seconds = atof(argv[3]);
  const char* ca = argc > 4 ? argv[4] : NULL;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURLM* multi = curl_multi_init();
  const double start = now();
  const double cpu_start = cpu_seconds();
  long started = 0, ok = 0, failed = 0;
  int running = 0;
  for (;;) {
    const double t = now() - start;
    if (t < seconds) {
      const long due = (long)(t * rate);
      while (started < due) {
        add(multi, url, ca);
        ++started;
      }
    } else if (running == 0) {
      break;
    }
    curl_multi_perform(multi, &running);
    CURLMsg* msg;
    int left;
    while ((msg = curl_multi_info_read(multi, &left))) {
      if (msg->msg != CURLMSG_DONE) continue;
      long status = 0;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
      if (msg->data.result == CURLE_OK && status == 200)
        ++ok;
      else
        ++failed;
      CURL* easy = msg->easy_handle;
      curl_multi_remove_handle(multi, easy);
      curl_easy_cleanup(easy);
    }
    /* Sleep until the next request is due or a socket is ready, never longer. */
    int wait_ms = 1000;
    if (t < seconds) {
      const double next = (double)(started + 1) / rate - t;
      /* Round up: spinning on a zero timeout would cost more CPU than the requests. */
      wait_ms = next > 0 ? (int)(next * 1000.0) + 1 : 0;
    }
    curl_multi_poll(multi, NULL, 0, wait_ms, NULL);
  }
  const double cpu = cpu_seconds() - cpu_start;
  printf("requests=%ld ok=%ld failed=%ld cpu_seconds=%.6f cpu_us_per_request=%.1f\n", started, ok,
         failed, cpu, started ? cpu * 1e6 / (double)started : 0.0);
  curl_multi_cleanup(multi);
  curl_global_cleanup();
  return failed == 0 ? 0 : 1;
}
