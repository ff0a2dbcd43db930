// `anneal cache stats|gc`: what the local cache holds, and eviction of its least recently
// used entries down to a size.
#include <time.h>

#include <chrono>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cache/cache_gc.h"
#include "cli/commands.h"
#include "graph/workspace.h"
#include "nodes/node_result.h"

namespace anneal::cli {

namespace fs = std::filesystem;

namespace {

/// ISO 8601 UTC, to the second.
std::string iso_time(fs::file_time_type time) {
  auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::file_clock::to_sys(time));
  std::time_t t = std::chrono::system_clock::to_time_t(seconds);
  std::tm utc{};
  ::gmtime_r(&t, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

nlohmann::json kind_json(const cache::KindStats& stats) {
  return {{"entries", stats.entries},
          {"bytes", stats.bytes},
          {"oldest", stats.oldest ? nlohmann::json(iso_time(*stats.oldest)) : nlohmann::json(nullptr)},
          {"newest", stats.newest ? nlohmann::json(iso_time(*stats.newest)) : nlohmann::json(nullptr)}};
}

std::string kind_text(const cache::KindStats& stats) {
  std::string text = fmt::format("{} ({})", stats.entries, cache::size_text(stats.bytes));
  if (stats.oldest && stats.newest)
    text += fmt::format(", last used {} to {}", iso_time(*stats.oldest), iso_time(*stats.newest));
  return text;
}

/// The blobs an action result names: gc keeps them while the result stays.
std::vector<cache::Digest> blobs_named(std::string_view payload) {
  std::vector<cache::Digest> digests;
  auto result = nodes::NodeResult::parse(payload);
  if (!result)
    return digests;
  for (const auto& [name, hex] : result->blobs)
    if (auto digest = cache::Digest::from_hex(hex))
      digests.push_back(*digest);
  return digests;
}

Result<int> print_stats(const fs::path& root, bool json) {
  cache::CacheStats stats = cache::cache_stats(root);
  if (json) {
    fmt::print("{}\n", nlohmann::json{{"path", root.string()},
                                      {"bytes", stats.bytes()},
                                      {"actions", kind_json(stats.actions)},
                                      {"blobs", kind_json(stats.blobs)},
                                      {"temporary", kind_json(stats.temporary)}}
                           .dump(2));
    return 0;
  }
  fmt::print("local cache {}: {}\n", root.string(), cache::size_text(stats.bytes()));
  fmt::print("  results: {}\n  blobs:   {}\n", kind_text(stats.actions), kind_text(stats.blobs));
  if (stats.temporary.entries > 0)
    fmt::print("  being written (or left by a crash): {} file(s), {}\n", stats.temporary.entries,
               cache::size_text(stats.temporary.bytes));
  return 0;
}

Result<int> collect(const fs::path& root, const std::string& max_size) {
  auto limit = cache::parse_size(max_size);
  if (!limit)
    return std::unexpected(limit.error());
  cache::GcOptions options;
  options.references = blobs_named;
  auto report = cache::collect_garbage(root, *limit, options);
  if (!report)
    return std::unexpected(report.error());
  if (report->removed_actions + report->removed_blobs == 0) {
    fmt::print("anneal: the cache ({}) fits in {}; nothing removed\n", cache::size_text(report->bytes_before),
               cache::size_text(*limit));
  } else {
    fmt::print("anneal: removed {} result(s) and {} blob(s), least recently used first; the cache went from {} "
               "to {} (limit {})\n",
               report->removed_actions, report->removed_blobs, cache::size_text(report->bytes_before),
               cache::size_text(report->bytes_after), cache::size_text(*limit));
  }
  if (report->bytes_after > *limit)
    fmt::print("anneal: still over the limit: what is left was written in the last hour (by a running node, perhaps) "
               "or cannot be removed\n");
  if (report->removed_temporary > 0)
    fmt::print("anneal: removed {} temporary file(s) left by writers that died\n", report->removed_temporary);
  return 0;
}

}  // namespace

Result<int> run_cache(const CacheArgs& args) {
  auto workspace = graph::Workspace::open(fs::current_path());
  if (!workspace)
    return std::unexpected(workspace.error());
  const fs::path& root = workspace->store().root();
  return args.gc ? collect(root, args.max_size) : print_stats(root, args.json);
}

}  // namespace anneal::cli
