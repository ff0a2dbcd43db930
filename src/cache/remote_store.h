// A shared cache over HTTP that a LocalStore falls back to and uploads to.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "cache/digest.h"

namespace anneal::cache {

// Remote layout (bazel-remote style; also what a WebDAV server such as nginx with
// `dav_methods PUT; create_full_put_path on;` stores):
//
//   URL/ac/<32 hex key>      the action entry of a node
//   URL/cas/<32 hex digest>  a blob entry
//
// The bodies are entries (entry.h), byte for byte the files the local store writes.
//
// Protocol: GET 2xx is a hit (an entry that does not decode, has the wrong kind or, for a
// blob, does not hash to its digest is a miss), 404 a miss; HEAD before PUT, and no PUT when
// HEAD answers 2xx. A body larger than max_entry_size, any other status, a refused connection or a timeout is a failure: the
// remote is then unusable for the rest of the build in every process of it (see down_marker).
// A remote never fails a build: every call degrades to a miss or a skipped upload.

/// How to reach the remote cache; the lead resolves it from the command line, the
/// environment and the Annealfile.
struct RemoteOptions {
  std::string url;         ///< base URL, e.g. "http://cache:8080/anneal" (a trailing '/' is fine)
  bool read_only = false;  ///< download only: never HEAD or PUT
  std::string token;       ///< sent as "Authorization: Bearer <token>"; empty: no header
  double connect_timeout_s = 2;
  double timeout_s = 30;  ///< for a whole request; a transfer stalled for 10 s also ends it
  /// The largest body a GET reads and a PUT sends (cache.max_entry_size). A body past it is
  /// cut as it arrives, never buffered whole, and counts as a failure of the remote.
  uint64_t max_entry_size = uint64_t{64} << 20;
  /// A file whose existence means "the remote failed during this build": the first process
  /// to fail creates it (holding the reason) and prints the one warning; every process
  /// checks it before any request. The build removes it when it starts. Empty: the failure
  /// is remembered by this RemoteStore only.
  std::filesystem::path down_marker;
  /// The build's own store: the warning of a failure that a node process (whose output the
  /// build does not show) marked is printed here instead, once, when the marker is noticed.
  bool announce_marked = false;
};

/// One remote cache. Keeps one connection open between calls. Not thread-safe: one per thread.
class RemoteStore {
 public:
  explicit RemoteStore(RemoteOptions options);
  ~RemoteStore();
  RemoteStore(const RemoteStore&) = delete;
  RemoteStore& operator=(const RemoteStore&) = delete;

  /// The action result stored under `key`, verified; nullopt on a miss, a bad entry or when
  /// the remote is unusable.
  std::optional<std::string> get_action(const Digest& key);
  /// The blob's bytes, verified against `digest`; nullopt otherwise.
  std::optional<std::string> get_blob(const Digest& digest);
  /// Uploads the action result unless the remote already holds a valid one (HEAD first), or
  /// the remote is read-only or unusable.
  void put_action(const Digest& key, std::string_view payload);
  /// Uploads a blob; `digest` must be digest_of(bytes). Same rules as put_action.
  void put_blob(const Digest& digest, std::string_view bytes);

  /// False once a request failed in this build (here or, via the marker, in another process).
  bool usable() const;
  /// The URL as messages show it: without any user:password part.
  const std::string& display_url() const { return m_display_url; }

 private:
  struct Reply;
  struct CurlDeleter {
    void operator()(void* handle) const;
  };

  std::optional<std::string> fetch(std::string_view path);
  void upload(const std::string& path, std::string body);
  /// Performs one request; nullopt after a transport failure (already reported).
  std::optional<Reply> request(const char* method, const std::string& path, std::string_view body);
  /// Marks the remote unusable, and warns unless another process already did.
  void disable(const std::string& reason);
  /// Prints the one warning line for `why`.
  void warn(const std::string& why) const;
  std::string redacted(std::string text) const;

  RemoteOptions m_options;
  std::string m_base;  ///< the URL without its trailing '/'
  std::string m_display_url;
  std::unique_ptr<void, CurlDeleter> m_handle;  ///< a CURL*
  mutable bool m_disabled = false;
  /// Paths whose GET this process found bad: an upload replaces them instead of trusting HEAD.
  std::set<std::string> m_bad_paths;
};

}  // namespace anneal::cache
