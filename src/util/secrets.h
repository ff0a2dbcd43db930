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

/// The variable through which a build names its nodes' secret variables.
inline constexpr const char* k_secret_vars_env = "ANNEAL_SECRET_VARS";

/// ANNEAL_SECRET_VARS's value for a build's nodes: what this process was given in it, plus
/// `names` (the Annealfile's own), comma-separated.
std::string secret_vars_value(const std::vector<std::string>& names);

/// True for names that look like they hold a secret.
bool looks_secret(std::string_view name);

/// The names of the secret variables set in this process's environment, sorted.
std::vector<std::string> secret_variable_names();

/// The environment a command gets: this process's environment without its secret
/// variables, except those named in `pass_env`, as "NAME=VALUE" strings.
std::vector<std::string> child_environment(const std::vector<std::string>& pass_env);

/// Secret values shorter than this are withheld from commands but not redacted: a value
/// like "1234" would otherwise rewrite ordinary output, a stage's score among it.
inline constexpr size_t k_min_redacted_length = 8;

/// `text` with every value of a secret variable (of at least k_min_redacted_length
/// characters) replaced by "[redacted:NAME]". What a user's command prints passes through
/// this (proc::run) before it is parsed, stored, committed, logged or uploaded.
std::string redact(std::string_view text);

/// The names of the secret variables whose values (of at least k_min_redacted_length
/// characters) occur in `text`, sorted: an agent that writes a key into a file it changes
/// would otherwise have it committed.
std::vector<std::string> secrets_in(std::string_view text);

}  // namespace anneal
