/* A plugin that overruns its deadline: the agent must not wait for it. */
#include <campus_probe/plugin.h>
#include <stddef.h>
#include <unistd.h>

static char* validate(const char* t, const char* g, const char* p) {
  (void)t;
  (void)g;
  (void)p;
  return NULL;
}
static void run(const char* t, const char* g, const char* p, int64_t d, void* c,
                campus_probe_report_fn r) {
  (void)t;
  (void)g;
  (void)p;
  (void)d;
  sleep(3);
  campus_probe_result result = {CAMPUS_PROBE_PASS, NULL, "too late", NULL, NULL};
  r(c, &result);
}
static void free_string(char* s) {
  (void)s;
}
static const char* const types[] = {"sleepy", NULL};
static const campus_probe_plugin descriptor = {
    CAMPUS_PROBE_ABI_VERSION, "sleepy", types, validate, run, free_string};
const campus_probe_plugin* campus_probe_plugin_entry(void) {
  return &descriptor;
}
