#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace anneal {

// Which environment variables hold secrets, and how to keep their values out of what
// anneal stores. A variable is secret when
//   - its name looks like one (looks_secret: *_API_KEY, *_TOKEN, *SECRET*, *PASSWORD*,
//     compared without regard to case), or
//   - it is ANNEAL_REMOTE_TOKEN, or
//   - it is named in ANNEAL_SECRET_VARS (comma-separated names: the build puts there every
//     agent's api_key_env and cache.token_env, so the nodes it starts know them too).
// Names are not secret; values are.

/// True for names that look like they hold a secret.
bool looks_secret(std::string_view name);

/// The names of the secret variables set in this process's environment, sorted.
std::vector<std::string> secret_variable_names();

/// The environment a command gets: this process's environment without its secret
/// variables, except those named in `pass_env`, as "NAME=VALUE" strings.
std::vector<std::string> child_environment(const std::vector<std::string>& pass_env);

/// `text` with every value of a secret variable (of at least 4 characters) replaced by
/// "[redacted:NAME]". What a command prints passes through this before it is stored,
/// committed, logged or uploaded.
std::string redact(std::string_view text);

}  // namespace anneal
