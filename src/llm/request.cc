#include "llm/request.h"

namespace anneal::llm {

std::string_view provider_name(Provider provider) {
  switch (provider) {
    case Provider::openai:
      return "openai";
    case Provider::anthropic:
      return "anthropic";
  }
  return "unknown";
}

Result<Provider> parse_provider(std::string_view name) {
  if (name == "openai") {
    return Provider::openai;
  }
  if (name == "anthropic") {
    return Provider::anthropic;
  }
  return fail("unknown LLM provider '" + std::string(name) + "' (expected openai or anthropic)");
}

std::string_view default_base_url(Provider provider) {
  switch (provider) {
    case Provider::openai:
      return "https://api.openai.com/v1";
    case Provider::anthropic:
      return "https://api.anthropic.com";
  }
  return "";
}

std::string effective_base_url(const Request& request) {
  std::string url =
      request.base_url.empty() ? std::string(default_base_url(request.provider)) : request.base_url;
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  return url;
}

}  // namespace anneal::llm
