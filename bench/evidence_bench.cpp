// Throughput of the evidence log: records written per second with the hash chain and HMAC at
// fsync=interval, and records verified per second. Run by bench/evidence.sh.
//   evidence_bench DIR [RECORDS]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/resource.h>

#include <prometheus/registry.h>

#include "core/logger.h"
#include "evidence/evidence_log.h"
#include "evidence/verify.h"

namespace {

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_utime.tv_sec) + double(usage.ru_utime.tv_usec) / 1e6 +
         double(usage.ru_stime.tv_sec) + double(usage.ru_stime.tv_usec) / 1e6;
}

double since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: evidence_bench DIR [RECORDS]\n");
    return 2;
  }
  const std::string dir = argv[1];
  const int records = argc > 2 ? std::atoi(argv[2]) : 200000;
  const std::string key = "bench-key-0123456789abcdef0123456789abcdef";
  prometheus::Registry registry;
  campus::Logger log(campus::LogLevel::error, campus::LogFormat::text, [](std::string_view) {});

  // A record the size of a real http run's.
  const nlohmann::json observed = {
      {"request", {{"method", "GET"}, {"url", "https://portal.example.edu.cn/status.json"}}},
      {"response",
       {{"status", 200},
        {"status_line", "HTTP/1.1 200 OK"},
        {"headers", {{"content-type", "application/json"}, {"server", "nginx"}}},
        {"body_bytes", 87},
        {"body_sha256", std::string(64, 'a')},
        {"excerpt", R"({"status":"ok","service":"campus-test","version":1})"},
        {"redirects", 0}}}};
  {
    campus::EvidenceLog::Options options;
    options.dir = dir;
    options.key = key;
    options.fsync = campus::FsyncPolicy::interval;
    campus::EvidenceLog evidence(options, registry, log);
    const auto start = std::chrono::steady_clock::now();
    const double cpu = cpu_seconds();
    for (int i = 0; i < records; ++i) {
      // Flush every 10,000 so the bounded queue never drops: this measures the writer, not the
      // queue's overflow policy.
      if (i % 10000 == 0) evidence.flush();
      evidence.append({{"type", "run"},
                       {"check", "check-" + std::to_string(i % 1000)},
                       {"probe", "http"},
                       {"target", "https://portal.example.edu.cn/status.json"},
                       {"indicators", {"H-3.3.1.1", "S-3.3.1.1"}},
                       {"verdict", "pass"},
                       {"reason", "HTTP 200"},
                       {"duration_ms", 12},
                       {"details",
                        {{"kind", "none"},
                         {"attempts", 1},
                         {"phases_us", {{"dns", 30}, {"connect", 210}, {"tls", 900}}},
                         {"measurements", {{"http_status_code", 200.0}}},
                         {"observed", observed}}}});
    }
    evidence.flush();
    const double seconds = since(start);
    std::printf(
        "write:  %d records in %.2f s = %.0f records/s (cpu %.2f s, chain + HMAC, "
        "fsync=interval)\n",
        records, seconds, records / seconds, cpu_seconds() - cpu);
  }
  const auto start = std::chrono::steady_clock::now();
  const auto result = campus::verify_evidence(dir, key);
  const double seconds = since(start);
  std::printf("verify: %llu records in %.2f s = %.0f records/s (%s)\n",
              static_cast<unsigned long long>(result.records), seconds,
              double(result.records) / seconds, result.intact ? "intact" : result.problem.c_str());
  return result.intact ? 0 : 1;
}
