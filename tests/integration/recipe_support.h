#pragma once
// What the recipes' integration tests share: switching a simulator's faults, its URL, test
// accounts as secret files, and running one check that uses a recipe.

#include <optional>
#include <string>

#include "support.h"

namespace campus::test {

/// Switches a simulator's faults (its POST /__control); {"reset": true} clears them.
void sim_control(const std::string& port_key, const std::string& json);

/// The simulator `name`'s base URL, quoted for YAML: "http://127.0.0.1:PORT".
std::string product_sim_url(const std::string& name);

/// Test accounts as secret files, and the `secrets:` section naming them.
class SecretFiles {
 public:
  /// A secret `name` with `user` (a YAML member such as `username: probe`, or empty) and a
  /// `kind`_file (password, token or secret) holding `value`.
  void add(const std::string& name, const std::string& user, const std::string& kind,
           const std::string& value);
  const std::string& secrets() const { return secrets_; }
  /// Runs one check `t` that uses `recipe` with `with` (a YAML flow mapping).
  RunRecord run(const std::string& recipe, const std::string& with) const;

 private:
  TempDir dir_;
  std::string secrets_ = "secrets:\n";
};

/// Checks a run's verdict, that its reason contains `reason_part` (when not empty), and its
/// failure kind (when given).
void expect_run(const RunRecord& r, Verdict verdict, const std::string& reason_part,
                std::optional<FailureKind> kind = std::nullopt);

}  // namespace campus::test
