#include "llm/api_key.h"

#include <cstdlib>

namespace anneal::llm {

std::string_view default_key_env(Provider provider) {
  return provider == Provider::anthropic ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY";
}

bool is_loopback_url(std::string_view base_url) {
  size_t scheme = base_url.find("://");
  std::string_view rest = scheme == std::string_view::npos ? base_url : base_url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (size_t at = rest.rfind('@'); at != std::string_view::npos) {
    rest = rest.substr(at + 1);
  }
  std::string_view host;
  if (rest.starts_with('[')) {
    host = rest.substr(0, rest.find(']') + 1);
  } else {
    host = rest.substr(0, rest.find(':'));
  }
  bool ipv4 = !host.empty() && host.find_first_not_of("0123456789.") == std::string_view::npos;
  return host == "localhost" || host == "[::1]" || (ipv4 && host.starts_with("127."));
}

Result<ApiKey> read_api_key(const Request& request, std::string_view key_env) {
  std::string variable(key_env.empty() ? default_key_env(request.provider) : key_env);
  const char* value = std::getenv(variable.c_str());
  if (value != nullptr && *value != '\0') {
    return ApiKey(value, variable);
  }
  std::string base_url = effective_base_url(request);
  if (is_loopback_url(base_url)) {
    return ApiKey("", variable);
  }
  return fail("no API key for " + std::string(provider_name(request.provider)) + " at " + base_url +
              ": set the environment variable " + variable);
}

}  // namespace anneal::llm
