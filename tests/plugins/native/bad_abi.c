/* A plugin built against another ABI version: the agent must refuse it. */
#include <campus_probe/plugin.h>
#include <stddef.h>

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
  (void)c;
  (void)r;
}
static void free_string(char* s) {
  (void)s;
}
static const char* const types[] = {"future-probe", NULL};
static const campus_probe_plugin descriptor = {
    CAMPUS_PROBE_ABI_VERSION + 1, "from the future", types, validate, run, free_string};
const campus_probe_plugin* campus_probe_plugin_entry(void) {
  return &descriptor;
}
