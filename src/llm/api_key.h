// Where an agent's API key comes from: the environment variable it names, never a file.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "llm/request.h"
#include "util/error.h"

namespace anneal::llm {

/// A secret read from the environment. Kept apart from Request so that nothing serialised,
/// hashed or logged ever holds it; it has no operator<< and no JSON form on purpose.
class ApiKey {
 public:
  ApiKey(std::string value, std::string env_var) : m_value(std::move(value)), m_env_var(std::move(env_var)) {}

  /// The secret itself; empty for a loopback server that needs none.
  const std::string& value() const { return m_value; }
  /// The variable it was read from, to name in errors ("check ANTHROPIC_API_KEY").
  const std::string& env_var() const { return m_env_var; }

 private:
  std::string m_value;
  std::string m_env_var;
};

/// OPENAI_API_KEY or ANTHROPIC_API_KEY.
std::string_view default_key_env(Provider provider);

/// True when `base_url` points at this machine (localhost, 127.0.0.0/8, [::1]): such servers
/// are local models that usually need no key.
bool is_loopback_url(std::string_view base_url);

/// The key for `request`, read from `key_env` (empty: the provider's default variable). A
/// missing key is an error naming the variable to set, unless the endpoint is loopback.
Result<ApiKey> read_api_key(const Request& request, std::string_view key_env = {});

}  // namespace anneal::llm
