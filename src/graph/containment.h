// graph: an Annealfile's containment settings in node specs, and whether the build can honour them.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "graph/annealfile.h"
#include "proc/sandbox.h"
#include "util/error.h"

namespace anneal::graph {

// Node spec fields (in an agent's "agent" object, or in a verify or stage node's spec, or in
// a judge node's "generate"), each present only when not its default, so the keys of specs
// written before these settings existed stay the same:
//
//   "sandbox":  "on" | "off"       (absent: auto)
//   "network":  false              (absent: true)
//   "writable": ["/abs", "~/x"]    (as written: ~ is expanded where the command runs)
//   "pass_env": ["NAME", …]
//
// What the machine's probe found is not in the spec: a result does not depend on it.

/// Adds `c`'s spec fields to `spec`.
void add_containment_fields(nlohmann::json& spec, const Containment& c);

/// Before the first experiment: fails when a command of `targets` says `sandbox: on` and
/// bubblewrap does not work here (naming the Annealfile line), and calls `warn` once when
/// one says `auto` and the commands will run unsandboxed.
Result<void> check_sandbox(const Annealfile& file, const std::vector<const Target*>& targets,
                           const proc::SandboxProbe& probe, const std::function<void(const std::string&)>& warn);

/// The variables the Annealfile names as holding secrets whatever they are called: every
/// agent's `api_key_env` (or its provider's default) and `cache.token_env`. The build hands
/// them to its nodes in ANNEAL_SECRET_VARS (util/secrets.h), so their commands do not get
/// them and what those commands print is redacted of their values.
std::vector<std::string> declared_secret_variables(const Annealfile& file);

}  // namespace anneal::graph
