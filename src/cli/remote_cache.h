#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "graph/annealfile.h"
#include "graph/workspace.h"
#include "util/error.h"

namespace anneal::cli {

/// Which remote cache a command uses, and where that was said.
struct RemoteCacheSettings {
  std::string url;  ///< empty: the local cache only
  bool read_only = false;
  std::string token_env;  ///< the variable holding the bearer token ("" : ANNEAL_REMOTE_TOKEN)
  std::string source;     ///< "--remote-cache", "ANNEAL_REMOTE_CACHE" or "the Annealfile"
  uint64_t max_entry_size = uint64_t{64} << 20;  ///< cache.max_entry_size
};

/// The command line over the environment (ANNEAL_REMOTE_CACHE, ANNEAL_REMOTE_READ_ONLY) over
/// the Annealfile's `cache:`. `--remote-read-only` makes any of them read-only.
RemoteCacheSettings resolve_remote_cache(const std::optional<std::string>& flag, bool flag_read_only,
                                         const graph::CacheConfig& file);

/// The environment a build gives its `anneal node` processes so they use the same remote;
/// names, never the token.
std::vector<std::pair<std::string, std::string>> remote_cache_env(const RemoteCacheSettings& settings);

/// The variable that holds the remote's bearer token: cache.token_env, or ANNEAL_REMOTE_TOKEN.
std::string token_variable(const RemoteCacheSettings& settings);

/// What an `anneal node` process was given by its build.
RemoteCacheSettings remote_cache_from_env();

/// Backs the workspace's local store with the remote. Fails only on a URL that is not http(s);
/// a missing token is a warning. `starting_build`: forget an earlier build's failure.
Result<void> attach_remote_cache(graph::Workspace& workspace, const RemoteCacheSettings& settings,
                                 bool starting_build);

}  // namespace anneal::cli
