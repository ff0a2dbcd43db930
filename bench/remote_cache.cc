// Cache lookups per second: the local store, and a remote cache over HTTP (nginx on
// loopback, started by bench/remote_cache.sh), through the classes a node uses.
//
//   local hit      LocalStore::get_action of a present key (read, verify, touch the mtime)
//   local miss     LocalStore::get_action of an absent key, no remote
//   remote hit     RemoteStore::get_action of a present key (GET, decode, verify)
//   remote miss    RemoteStore::get_action of an absent key (GET answered 404)
//   fill           LocalStore::get_action of a key only the remote holds: local miss,
//                  remote hit, stored locally (what a fresh clone does per node)
//   upload         LocalStore::put_action with the remote set: local write, HEAD, PUT
//
// Entries are action results of `size` bytes (default 600, about a stage node's result).
// Usage: bench_remote_cache URL [lookups] [size]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cache/digest.h"
#include "cache/local_store.h"
#include "cache/remote_store.h"

namespace fs = std::filesystem;
using anneal::cache::Digest;
using anneal::cache::digest_of;
using anneal::cache::LocalStore;
using anneal::cache::RemoteOptions;
using anneal::cache::RemoteStore;

namespace {

/// Runs `step(i)` for i in [0, n) and returns calls per second.
double per_second(int n, const std::function<bool(int)>& step, const char* what) {
  auto start = std::chrono::steady_clock::now();
  int wrong = 0;
  for (int i = 0; i < n; ++i)
    wrong += !step(i);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (wrong > 0) {
    std::fprintf(stderr, "bench_remote_cache: %d of %d %s calls gave the wrong answer\n", wrong, n, what);
    std::exit(1);
  }
  return n / s;
}

std::shared_ptr<RemoteStore> remote(const std::string& url) {
  RemoteOptions options;
  options.url = url;
  return std::make_shared<RemoteStore>(options);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_remote_cache URL [lookups] [size]\n");
    return 2;
  }
  std::string url = argv[1];
  int n = argc > 2 ? std::atoi(argv[2]) : 2000;
  size_t size = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 600;
  std::string pattern = (fs::temp_directory_path() / "anneal-bench-cache-XXXXXX").string();
  if (!::mkdtemp(pattern.data()))
    return 1;
  fs::path dir = pattern;

  // Distinct keys per run, so a warm server from an earlier run cannot help.
  std::string salt = std::to_string(::getpid()) + "-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  std::vector<Digest> keys, absent;
  for (int i = 0; i < n; ++i) {
    keys.push_back(digest_of(std::to_string(i), "bench-present-" + salt));
    absent.push_back(digest_of(std::to_string(i), "bench-absent-" + salt));
  }
  auto payload = [size](int i) {
    std::string p = "{\"bench\": " + std::to_string(i) + ", \"pad\": \"";
    p.resize(size > p.size() + 2 ? size - 2 : p.size(), 'x');
    return p + "\"}";
  };

  LocalStore writer(dir / "writer");
  writer.set_remote(remote(url));
  double upload = per_second(n, [&](int i) { return writer.put_action(keys[i], payload(i)).has_value(); }, "upload");
  if (!writer.remote()->usable()) {
    std::fprintf(stderr, "bench_remote_cache: the remote at %s failed\n", url.c_str());
    return 1;
  }

  LocalStore local(dir / "writer");
  double local_hit = per_second(n, [&](int i) { return local.get_action(keys[i]).has_value(); }, "local hit");
  double local_miss = per_second(n, [&](int i) { return !local.get_action(absent[i]).has_value(); }, "local miss");

  auto direct = remote(url);
  double remote_hit = per_second(n, [&](int i) { return direct->get_action(keys[i]).has_value(); }, "remote hit");
  double remote_miss = per_second(n, [&](int i) { return !direct->get_action(absent[i]).has_value(); }, "remote miss");

  LocalStore fresh(dir / "fresh");
  fresh.set_remote(remote(url));
  double fill = per_second(n, [&](int i) { return fresh.get_action(keys[i]).has_value(); }, "fill");

  std::printf("lookups\t%d\nentry_bytes\t%zu\n", n, size);
  std::printf("local_hit\t%.0f\nlocal_miss\t%.0f\nremote_hit\t%.0f\nremote_miss\t%.0f\nfill\t%.0f\nupload\t%.0f\n",
              local_hit, local_miss, remote_hit, remote_miss, fill, upload);
  std::error_code ec;
  fs::remove_all(dir, ec);
  return 0;
}
