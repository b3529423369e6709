#include "runtime/check_plan.h"

#include "runtime/native_plugins.h"

namespace campus {
namespace {

std::unique_ptr<Probe> build_probe(const ProbeFactory& factory, const CheckSpec& spec,
                                   const CheckSource& source, const Config& config) {
  ProbeSetup setup{spec.id,       spec.target,    *source.target,
                   source.params, config.secrets, spec.timeout};
  Diagnostics& diagnostics = *source.target->source().diagnostics;
  const std::size_t before = diagnostics.size();
  std::unique_ptr<Probe> probe;
  try {
    probe = factory(setup);
  } catch (const std::exception& e) {
    source.target->error(std::string("cannot set up the probe: ") + e.what());
  }
  if (!probe && diagnostics.size() == before) source.target->error("cannot set up the probe");
  return probe;
}

// The names of the probe types for which `has` holds, for messages.
template <typename Has>
std::string types_that(const ProbeRegistry& probes, Has has) {
  std::string names;
  for (const auto& name : probes.names()) {
    if (has(probes.type(name)->info)) names += (names.empty() ? "" : ", ") + name;
  }
  return names;
}

std::shared_ptr<const SessionLogin> build_session(const SessionSpec& spec,
                                                  const CheckSource& source, const Config& config,
                                                  const ProbeRegistry& probes) {
  const ProbeType* type = probes.type(spec.probe_type);
  if (!type) {
    source.probe.error("unknown probe type '" + spec.probe_type + "' (types that can log in: " +
                       types_that(probes, [](const ProbeTypeInfo& i) { return i.logs_in; }) + ")");
    return nullptr;
  }
  if (!type->info.logs_in) {
    source.probe.error("probe type '" + spec.probe_type +
                       "' cannot log a session in (types that can: " +
                       types_that(probes, [](const ProbeTypeInfo& i) { return i.logs_in; }) + ")");
    return nullptr;
  }
  if (!source.target || spec.target.empty()) return nullptr;
  auto login = std::make_shared<Check>();
  login->id = "session:" + spec.name;
  login->probe_type = spec.probe_type;
  login->target = spec.target;
  login->interval = spec.ttl;
  login->timeout = spec.timeout;
  login->line = spec.line;
  login->fingerprint = spec.fingerprint;
  login->probe = build_probe(type->factory, *login, source, config);
  if (!login->probe) return nullptr;
  auto session = std::make_shared<SessionLogin>();
  session->spec = config.sessions.at(spec.name);
  session->login = std::move(login);
  return session;
}

}  // namespace

const std::shared_ptr<const Check>* CheckPlan::find(std::string_view id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &checks[it->second];
}

std::optional<CheckPlan> build_plan(LoadedConfig loaded, const ProbeRegistry& builtin,
                                    Diagnostics& diagnostics) {
  loaded.source->diagnostics = &diagnostics;
  for (auto& source : loaded.recipe_sources)
    source->diagnostics = &diagnostics;
  CheckPlan plan;
  plan.probes = builtin;
  Config& config = loaded.config;
  // Native plugins add probe types, so they load before any probe is built.
  if (loaded.plugin_dirs) {
    load_native_plugins(config.agent.plugin_dirs, plan.probes, *loaded.plugin_dirs);
  }
  for (const auto& [name, spec] : config.sessions) {
    auto source = loaded.session_sources.find(name);
    if (source == loaded.session_sources.end()) continue;
    if (auto session = build_session(*spec, source->second, config, plan.probes)) {
      plan.sessions.emplace(name, std::move(session));
    }
  }
  std::vector<std::shared_ptr<const CheckSpec>> specs;
  specs.reserve(config.checks.size());
  plan.checks.reserve(config.checks.size());
  for (std::size_t i = 0; i < config.checks.size(); ++i) {
    const CheckSpec& spec = *config.checks[i];
    const CheckSource& source = loaded.sources[i];
    const ProbeFactory factory = plan.probes.find(spec.probe_type);
    if (!factory) {
      std::string known;
      for (const auto& name : plan.probes.names())
        known += (known.empty() ? "" : ", ") + name;
      source.probe.error("unknown probe type '" + spec.probe_type + "' (known: " + known + ")");
      continue;
    }
    if (!spec.session.empty() && source.session &&
        !plan.probes.type(spec.probe_type)->info.uses_session) {
      source.session->error(
          "probe type '" + spec.probe_type + "' cannot use a session (types that can: " +
          types_that(plan.probes, [](const ProbeTypeInfo& i) { return i.uses_session; }) + ")");
      continue;
    }
    if (!source.target || spec.target.empty()) continue;
    auto check = std::make_shared<Check>();
    static_cast<CheckSpec&>(*check) = spec;
    check->probe = build_probe(factory, spec, source, config);
    if (!check->probe) continue;
    specs.push_back(check);
    plan.checks.push_back(std::move(check));
  }
  if (!diagnostics.empty()) return std::nullopt;
  config.checks = std::move(specs);
  config.index_checks();
  plan.by_id_.reserve(plan.checks.size());
  for (std::size_t i = 0; i < plan.checks.size(); ++i)
    plan.by_id_.emplace(plan.checks[i]->id, i);
  // The document (and every YAML node of it) goes now; only the plain data is kept.
  plan.missing_secrets = std::move(loaded.missing_secrets);
  loaded.sources.clear();
  loaded.session_sources.clear();
  loaded.plugin_dirs.reset();
  plan.config = std::make_shared<const Config>(std::move(config));
  return plan;
}

std::optional<CheckPlan> load_plan_file(const std::string& path, const ConfigLoadOptions& options,
                                        const ProbeRegistry& builtin, Diagnostics& diagnostics) {
  auto loaded = load_config_file(path, options, diagnostics);
  if (!loaded) return std::nullopt;
  return build_plan(std::move(*loaded), builtin, diagnostics);
}

std::optional<CheckPlan> load_plan_text(const std::string& file_name, std::string_view text,
                                        const ConfigLoadOptions& options,
                                        const ProbeRegistry& builtin, Diagnostics& diagnostics) {
  auto loaded = load_config_text(file_name, text, options, diagnostics);
  if (!loaded) return std::nullopt;
  return build_plan(std::move(*loaded), builtin, diagnostics);
}

}  // namespace campus
