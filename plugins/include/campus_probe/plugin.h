/*
 * campus-probe native plugin interface, ABI version 1.
 *
 * A native plugin is a shared library that adds probe types to campus-probe without rebuilding
 * the agent. It exports one function, campus_probe_plugin_entry(), returning a descriptor: the
 * ABI version it was built against, the probe types it provides, and the functions the agent
 * calls. Plain C, no C++ types cross this boundary.
 *
 * Threads: run() is called on one of the agent's worker threads, possibly on several at once for
 * different checks; it must be reentrant. validate() is called while a config loads.
 *
 * Memory: every pointer the agent passes in is owned by the agent and valid only during the call.
 * Every pointer the plugin passes to report() is owned by the plugin and need only stay valid
 * during the report() call (the agent copies what it keeps). A string returned by validate() is
 * allocated by the plugin and released by the agent through the descriptor's free_string().
 *
 * Secrets: a check's `credentials: SECRET` param reaches the plugin as a JSON object with the
 * secret's fields (username, password, token, secret). Never print or return them; the agent
 * removes known secret values from reasons and evidence anyway.
 */
#ifndef CAMPUS_PROBE_PLUGIN_H
#define CAMPUS_PROBE_PLUGIN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI this header describes. The agent refuses a plugin whose descriptor says otherwise. */
#define CAMPUS_PROBE_ABI_VERSION 1u

/* The name of the one symbol a plugin exports. */
#define CAMPUS_PROBE_PLUGIN_ENTRY "campus_probe_plugin_entry"

enum campus_probe_verdict {
  CAMPUS_PROBE_PASS = 0, /* the system did what the indicator needs */
  CAMPUS_PROBE_FAIL = 1, /* it did not */
  CAMPUS_PROBE_ERROR = 2 /* the probe could not judge */
};

/* What one run found. */
typedef struct campus_probe_result {
  int verdict;              /* enum campus_probe_verdict */
  const char* failure_kind; /* on fail: resolve, connect, tls, timeout, auth_rejected, bad_status,
                               bad_content, protocol_error; NULL otherwise */
  const char* reason;       /* one line a campus IT engineer understands (UTF-8) */
  const char* measurements_json; /* NULL or a JSON object of numbers: {"banner_seconds": 0.01};
                                    each becomes the metric campus_probe_<name> */
  const char* evidence_json;     /* NULL or a JSON object: what was asked and what came back */
} campus_probe_result;

/* Called by run() exactly once with the result; `context` is the value run() received. */
typedef void (*campus_probe_report_fn)(void* context, const campus_probe_result* result);

typedef struct campus_probe_plugin {
  uint32_t abi_version;           /* CAMPUS_PROBE_ABI_VERSION */
  const char* name;               /* the plugin's name, for logs */
  const char* const* probe_types; /* NULL-terminated list of probe type names it provides */

  /* Checks a check's params when the config loads. Returns NULL when they are valid, else an
     error message (allocated by the plugin, released with free_string) that names the param. */
  char* (*validate)(const char* probe_type, const char* target, const char* params_json);

  /* Runs one check and calls report() once before returning. deadline_unix_ms is when the agent
     stops waiting (Unix time in milliseconds); a result reported later is discarded. */
  void (*run)(const char* probe_type, const char* target, const char* params_json,
              int64_t deadline_unix_ms, void* context, campus_probe_report_fn report);

  /* Releases a string returned by validate(). */
  void (*free_string)(char* text);
} campus_probe_plugin;

/* The entry point every plugin exports. */
typedef const campus_probe_plugin* (*campus_probe_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* CAMPUS_PROBE_PLUGIN_H */
