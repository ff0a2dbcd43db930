#include "cli/remote_cache.h"

#include <cstdlib>

#include <fmt/format.h>

#include "cache/remote_store.h"

namespace anneal::cli {

namespace {

constexpr const char* k_url_env = "ANNEAL_REMOTE_CACHE";
constexpr const char* k_read_only_env = "ANNEAL_REMOTE_READ_ONLY";
constexpr const char* k_token_env_env = "ANNEAL_REMOTE_TOKEN_ENV";
constexpr const char* k_default_token_env = "ANNEAL_REMOTE_TOKEN";
constexpr const char* k_max_entry_size_env = "ANNEAL_REMOTE_MAX_ENTRY_SIZE";

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

bool truthy(const std::string& value) { return value == "1" || value == "true" || value == "yes"; }

}  // namespace

RemoteCacheSettings resolve_remote_cache(const std::optional<std::string>& flag, bool flag_read_only,
                                         const graph::CacheConfig& file) {
  RemoteCacheSettings s;
  s.token_env = file.token_env;
  s.max_entry_size = file.max_entry_size;
  if (flag) {
    s.url = *flag;
    s.source = "--remote-cache";
  } else if (!env(k_url_env).empty()) {
    s.url = env(k_url_env);
    s.read_only = truthy(env(k_read_only_env));
    s.source = k_url_env;
  } else if (!file.remote.empty()) {
    s.url = file.remote;
    s.read_only = file.read_only || truthy(env(k_read_only_env));
    s.source = "the Annealfile";
  }
  s.read_only = s.read_only || flag_read_only;
  return s;
}

std::vector<std::pair<std::string, std::string>> remote_cache_env(const RemoteCacheSettings& settings) {
  return {{k_url_env, settings.url},
          {k_read_only_env, settings.read_only ? "1" : "0"},
          {k_token_env_env, settings.token_env},
          {k_max_entry_size_env, std::to_string(settings.max_entry_size)}};
}

std::string token_variable(const RemoteCacheSettings& settings) {
  return settings.token_env.empty() ? k_default_token_env : settings.token_env;
}

RemoteCacheSettings remote_cache_from_env() {
  RemoteCacheSettings s;
  s.url = env(k_url_env);
  s.read_only = truthy(env(k_read_only_env));
  s.token_env = env(k_token_env_env);
  if (uint64_t bytes = std::strtoull(env(k_max_entry_size_env).c_str(), nullptr, 10); bytes > 0)
    s.max_entry_size = bytes;
  s.source = k_url_env;
  return s;
}

Result<void> attach_remote_cache(graph::Workspace& workspace, const RemoteCacheSettings& settings,
                                 bool starting_build) {
  std::filesystem::path marker = workspace.anneal_dir() / "remote-down";
  if (starting_build) {
    std::error_code ec;
    std::filesystem::remove(marker, ec);
  }
  if (settings.url.empty())
    return {};
  if (!settings.url.starts_with("http://") && !settings.url.starts_with("https://"))
    return fail(fmt::format("remote cache '{}' (from {}) is not an http:// or https:// URL", settings.url,
                            settings.source));
  cache::RemoteOptions options;
  options.url = settings.url;
  options.read_only = settings.read_only;
  options.down_marker = marker;
  options.max_entry_size = settings.max_entry_size;
  options.announce_marked = starting_build;
  options.token = env(token_variable(settings).c_str());
  if (options.token.empty() && !settings.token_env.empty() && starting_build)
    fmt::print(stderr, "anneal: warning: cache.token_env names {}, which is not set; using the remote cache "
                       "without a token\n",
               settings.token_env);
  workspace.store().set_remote(std::make_shared<cache::RemoteStore>(std::move(options)));
  return {};
}

}  // namespace anneal::cli
