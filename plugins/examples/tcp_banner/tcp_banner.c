/*
 * An example native campus-probe plugin: the `tcp-banner` probe connects to host:port and
 * checks the greeting the service sends first (an SMTP, FTP or SSH banner, or a one-card
 * terminal server's hello). It is built only against <campus_probe/plugin.h>.
 *
 *   checks:
 *     - id: mail-banner
 *       probe: tcp-banner
 *       target: mail.example.edu.cn:25
 *       params: {expect: "ESMTP"}
 *
 * Params are tiny here, so they are read with a few string functions; a plugin with richer
 * params would use a JSON library such as json-c.
 */
#define _GNU_SOURCE
#include <campus_probe/plugin.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double monotonic_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The string value of "key" in a flat JSON object, unescaped; NULL when absent. Caller frees. */
static char* json_string(const char* json, const char* key) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
  const char* at = strstr(json, pattern);
  if (!at) return NULL;
  at += strlen(pattern);
  char* out = malloc(strlen(at) + 1);
  size_t n = 0;
  for (; *at && *at != '"'; ++at) {
    if (*at == '\\' && at[1]) {
      ++at;
      out[n++] = *at == 'n' ? '\n' : *at == 'r' ? '\r' : *at == 't' ? '\t' : *at;
    } else {
      out[n++] = *at;
    }
  }
  out[n] = '\0';
  return out;
}

/* `text` as a JSON string body (quotes, backslashes and control characters escaped). */
static void json_escape(const char* text, char* out, size_t size) {
  size_t n = 0;
  for (; *text && n + 7 < size; ++text) {
    unsigned char c = (unsigned char)*text;
    if (c == '"' || c == '\\') {
      out[n++] = '\\';
      out[n++] = (char)c;
    } else if (c < 0x20) {
      n += (size_t)snprintf(out + n, size - n, "\\u%04x", c);
    } else {
      out[n++] = (char)c;
    }
  }
  out[n] = '\0';
}

static int split_target(const char* target, char* host, size_t host_size, char* port,
                        size_t port_size) {
  const char* colon = strrchr(target, ':');
  if (!colon || colon == target || !colon[1] || (size_t)(colon - target) >= host_size ||
      strlen(colon + 1) >= port_size) {
    return 0;
  }
  memcpy(host, target, (size_t)(colon - target));
  host[colon - target] = '\0';
  strcpy(port, colon + 1);
  for (const char* p = port; *p; ++p) {
    if (*p < '0' || *p > '9') return 0;
  }
  return 1;
}

static char* validate(const char* probe_type, const char* target, const char* params_json) {
  (void)probe_type;
  char host[256], port[16];
  if (!split_target(target, host, sizeof host, port, sizeof port)) {
    return strdup("expected host:port as the target, e.g. mail.example.edu.cn:25");
  }
  /* Only `expect` (a string) is known. */
  const char* p = params_json;
  while ((p = strchr(p, '"')) != NULL) {
    const char* end = strchr(p + 1, '"');
    if (!end) break;
    if (end[1] == ':' && !(end - p - 1 == 6 && strncmp(p + 1, "expect", 6) == 0)) {
      char* message = malloc(128);
      snprintf(message, 128, "unknown param '%.*s' (tcp-banner knows: expect)", (int)(end - p - 1),
               p + 1);
      return message;
    }
    p = end + 1;
    if (*p == ':') {
      ++p;
      if (*p == '"') { /* skip the value string */
        for (++p; *p && *p != '"'; ++p) {
          if (*p == '\\' && p[1]) ++p;
        }
        if (*p) ++p;
      }
    }
  }
  return NULL;
}

static void report(void* context, campus_probe_report_fn report_fn, int verdict, const char* kind,
                   const char* reason, const char* measurements, const char* evidence) {
  campus_probe_result r = {verdict, kind, reason, measurements, evidence};
  report_fn(context, &r);
}

static void run(const char* probe_type, const char* target, const char* params_json,
                int64_t deadline_unix_ms, void* context, campus_probe_report_fn report_fn) {
  (void)probe_type;
  char host[256], port[16], reason[512], evidence[1400], measurements[128], banner[512] = {0};
  split_target(target, host, sizeof host, port, sizeof port);
  struct addrinfo hints = {0}, *found = NULL;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host, port, &hints, &found) != 0 || !found) {
    snprintf(reason, sizeof reason, "cannot resolve %s", host);
    report(context, report_fn, CAMPUS_PROBE_FAIL, "resolve", reason, NULL, NULL);
    return;
  }
  const double started = monotonic_seconds();
  int fd = socket(found->ai_family, found->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int rc = fd < 0 ? -1 : connect(fd, found->ai_addr, found->ai_addrlen);
  freeaddrinfo(found);
  if (rc != 0 && errno == EINPROGRESS) {
    struct pollfd p = {fd, POLLOUT, 0};
    int64_t left = deadline_unix_ms - now_ms();
    rc = poll(&p, 1, left > 0 ? (int)left : 0) == 1 ? 0 : -2;
    if (rc == 0) {
      int error = 0;
      socklen_t len = sizeof error;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
      if (error) {
        errno = error;
        rc = -1;
      }
    }
  }
  if (rc != 0) {
    snprintf(reason, sizeof reason,
             rc == -2 ? "connect to %s timed out" : "cannot connect to %s: %s", target,
             strerror(errno));
    if (fd >= 0) close(fd);
    report(context, report_fn, CAMPUS_PROBE_FAIL, rc == -2 ? "timeout" : "connect", reason, NULL,
           NULL);
    return;
  }
  const double connected = monotonic_seconds();
  size_t n = 0;
  while (n + 1 < sizeof banner && !strchr(banner, '\n')) {
    struct pollfd p = {fd, POLLIN, 0};
    int64_t left = deadline_unix_ms - now_ms();
    if (left <= 0 || poll(&p, 1, (int)left) != 1) break;
    ssize_t got = read(fd, banner + n, sizeof banner - 1 - n);
    if (got <= 0) break;
    n += (size_t)got;
    banner[n] = '\0';
  }
  close(fd);
  char* line_end = strpbrk(banner, "\r\n");
  if (line_end) *line_end = '\0';
  char escaped[1024];
  json_escape(banner, escaped, sizeof escaped);
  snprintf(evidence, sizeof evidence, "{\"banner\":\"%s\"}", escaped);
  snprintf(measurements, sizeof measurements,
           "{\"banner_connect_seconds\":%.6f,\"banner_bytes\":%zu}", connected - started, n);
  if (n == 0) {
    report(context, report_fn, CAMPUS_PROBE_FAIL, "timeout",
           "connected, but no banner before the deadline", measurements, evidence);
    return;
  }
  char* expect = json_string(params_json, "expect");
  if (expect && !strstr(banner, expect)) {
    snprintf(reason, sizeof reason, "the banner does not contain \"%s\"", expect);
    free(expect);
    report(context, report_fn, CAMPUS_PROBE_FAIL, "bad_content", reason, measurements, evidence);
    return;
  }
  free(expect);
  snprintf(reason, sizeof reason, "banner: %.200s", banner);
  report(context, report_fn, CAMPUS_PROBE_PASS, NULL, reason, measurements, evidence);
}

static void free_string(char* text) {
  free(text);
}

static const char* const probe_types[] = {"tcp-banner", NULL};

static const campus_probe_plugin descriptor = {
    CAMPUS_PROBE_ABI_VERSION, "tcp-banner example", probe_types, validate, run, free_string,
};

__attribute__((visibility("default"))) const campus_probe_plugin* campus_probe_plugin_entry(void) {
  return &descriptor;
}
