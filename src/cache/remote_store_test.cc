#include "cache/remote_store.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <xxhash.h>

#include <catch2/catch.hpp>

#include "endless_body.h"
#include "temp_dir.h"

#include "cache/entry.h"
#include "cache/local_store.h"
#include "util/file.h"
#include "util/random.h"

namespace fs = std::filesystem;
using anneal::cache::Digest;
using anneal::cache::digest_of;
using anneal::cache::encode_entry;
using anneal::cache::EntryKind;
using anneal::cache::LocalStore;
using anneal::cache::RemoteOptions;
using anneal::cache::RemoteStore;
using anneal::testing::EndlessBody;
using anneal::testing::serve_endless_body;
using anneal::testing::TempDir;

namespace {

/// A remote cache on loopback that keeps PUT bodies under their paths (below "/cache/") and
/// answers GET and HEAD from them, like nginx with WebDAV PUT; it can be told to misbehave.
class FakeRemoteCache {
 public:
  enum class Mode {
    Normal,
    Fail,     ///< 500 to everything
    Hang,     ///< no answer until the fake stops
    Garbage,  ///< GET and HEAD: 200 with random bytes
    Huge,     ///< GET: a 4 GiB body (Content-Length), streamed, never held in memory
    Endless,  ///< GET: a chunked body that never ends
  };
  struct Seen {
    std::string method;
    std::string path;  ///< below /cache/, e.g. "ac/<hex>"
    std::string authorization;
  };

  FakeRemoteCache() {
    auto handler = [this](const httplib::Request& request, httplib::Response& response) {
      handle(request, response);
    };
    m_server.Get(".*", handler);  // httplib routes HEAD to the GET handlers
    m_server.Put(".*", handler);
    m_port = m_server.bind_to_any_port("127.0.0.1");
    REQUIRE(m_port > 0);
    m_thread = std::thread([this] { m_server.listen_after_bind(); });
  }

  ~FakeRemoteCache() {
    {
      std::lock_guard lock(m_mutex);
      m_stopping = true;
    }
    m_release.notify_all();
    // stop() does nothing before the accept loop has started, so wait for it.
    while (!m_server.is_running())
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    m_server.stop();
    m_thread.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port) + "/cache/"; }

  void set_mode(Mode mode) {
    std::lock_guard lock(m_mutex);
    m_mode = mode;
  }
  void put(const std::string& path, std::string body) {
    std::lock_guard lock(m_mutex);
    m_files[path] = std::move(body);
  }
  std::optional<std::string> stored(const std::string& path) const {
    std::lock_guard lock(m_mutex);
    auto it = m_files.find(path);
    return it == m_files.end() ? std::nullopt : std::optional(it->second);
  }
  std::vector<Seen> seen() const {
    std::lock_guard lock(m_mutex);
    return m_seen;
  }
  /// The requests seen, as "METHOD path" lines.
  std::vector<std::string> log() const {
    std::vector<std::string> lines;
    for (const Seen& seen : this->seen())
      lines.push_back(seen.method + " " + seen.path);
    return lines;
  }
  /// Bytes the Huge and Endless modes have handed to the connection so far.
  uint64_t streamed() const { return m_streamed; }
  void forget_requests() {
    std::lock_guard lock(m_mutex);
    m_seen.clear();
  }

 private:
  void handle(const httplib::Request& request, httplib::Response& response) {
    std::unique_lock lock(m_mutex);
    std::string path = request.path.starts_with("/cache/") ? request.path.substr(7) : request.path;
    m_seen.push_back({request.method, path, request.get_header_value("Authorization")});
    if (m_mode == Mode::Fail) {
      response.status = 500;
      response.set_content("internal server error", "text/plain");
      return;
    }
    if (m_mode == Mode::Hang) {
      m_release.wait_for(lock, std::chrono::seconds(20), [this] { return m_stopping; });
      return;
    }
    if (request.method == "PUT") {
      m_files[path] = request.body;
      response.status = 201;
      return;
    }
    if (m_mode == Mode::Huge || m_mode == Mode::Endless) {
      serve_endless_body(response, m_mode == Mode::Huge ? EndlessBody::Declared4GiB : EndlessBody::Chunked,
                         m_streamed);
      return;
    }
    if (m_mode == Mode::Garbage) {
      std::string noise;
      for (int i = 0; i < 64; ++i)
        noise.push_back(static_cast<char>(m_rng.below(256)));
      response.set_content(noise, "application/octet-stream");
      return;
    }
    auto it = m_files.find(path);
    if (it == m_files.end()) {
      response.status = 404;
      return;
    }
    response.set_content(it->second, "application/octet-stream");
  }

  httplib::Server m_server;
  int m_port = 0;
  std::thread m_thread;
  mutable std::mutex m_mutex;
  std::condition_variable m_release;
  bool m_stopping = false;
  Mode m_mode = Mode::Normal;
  std::map<std::string, std::string> m_files;
  std::vector<Seen> m_seen;
  std::atomic<uint64_t> m_streamed{0};
  anneal::Rng m_rng{42};
};

/// A loopback port nobody answers on, held for the test so no other program takes it.
/// Refusing: bound but not listening, so a connection is refused. Silent: listening but never
/// accepting, so the kernel completes the connection and the request waits forever.
class DeadPort {
 public:
  enum class Kind { Refusing, Silent };

  explicit DeadPort(Kind kind = Kind::Refusing) : m_fd(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    REQUIRE(::bind(m_fd, reinterpret_cast<sockaddr*>(&address), size) == 0);
    REQUIRE(::getsockname(m_fd, reinterpret_cast<sockaddr*>(&address), &size) == 0);
    if (kind == Kind::Silent)
      REQUIRE(::listen(m_fd, 16) == 0);
    m_port = ntohs(address.sin_port);
  }
  ~DeadPort() { ::close(m_fd); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port) + "/cache"; }

 private:
  int m_fd;
  int m_port = 0;
};

/// Sends fd 2 to a file while alive (children forked meanwhile inherit it).
class StderrCapture {
 public:
  explicit StderrCapture(fs::path file) : m_file(std::move(file)) {
    std::fflush(stderr);
    m_saved = ::dup(2);
    int fd = ::open(m_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    ::dup2(fd, 2);
    ::close(fd);
  }
  ~StderrCapture() {
    std::fflush(stderr);
    ::dup2(m_saved, 2);
    ::close(m_saved);
  }
  std::string text() const {
    std::fflush(stderr);
    return anneal::read_file(m_file).value_or("");
  }

 private:
  fs::path m_file;
  int m_saved = -1;
};

int count_of(const std::string& text, const std::string& what) {
  int count = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++count;
  return count;
}

RemoteOptions options_for(const std::string& url, const fs::path& marker = {}) {
  RemoteOptions options;
  options.url = url;
  options.connect_timeout_s = 1;
  options.timeout_s = 0.5;
  options.down_marker = marker;
  return options;
}

LocalStore store_with_remote(const fs::path& root, const RemoteOptions& options) {
  LocalStore store(root);
  store.set_remote(std::make_shared<RemoteStore>(options));
  return store;
}

const Digest k_key = digest_of("node spec", "remote-test");
const std::string k_result = R"({"outcome":"kept","score":1.5})";
const std::string k_blob = "diff --git a/x b/x\n+hello\n";

}  // namespace

TEST_CASE("results uploaded from one cache are downloaded into a fresh one", "[cache]") {
  FakeRemoteCache server;
  TempDir dir;
  LocalStore first = store_with_remote(dir.path() / "first", options_for(server.url()));
  REQUIRE(first.put_action(k_key, k_result));
  auto digest = first.put_blob(k_blob);
  REQUIRE(digest);
  // The remote holds the very entry files the local store writes.
  CHECK(server.stored("ac/" + k_key.hex()) == encode_entry(EntryKind::Action, k_key, k_result));
  CHECK(server.stored("cas/" + digest->hex()) == encode_entry(EntryKind::Blob, digest_of(k_blob), k_blob));

  LocalStore second = store_with_remote(dir.path() / "second", options_for(server.url()));
  CHECK(second.get_action(k_key) == k_result);
  CHECK(second.get_blob(*digest) == k_blob);

  // The hits were kept locally: the local store alone has them, and asking again does not
  // go to the remote.
  LocalStore offline(dir.path() / "second");
  CHECK(offline.get_action(k_key) == k_result);
  CHECK(offline.get_blob(*digest) == k_blob);
  server.forget_requests();
  CHECK(second.get_action(k_key) == k_result);
  CHECK(second.get_blob(*digest) == k_blob);
  CHECK(server.log().empty());

  SECTION("a key nobody stored is a plain miss") {
    Digest other = digest_of("other spec");
    CHECK_FALSE(second.get_action(other));
    CHECK(server.log() == std::vector<std::string>{"GET ac/" + other.hex()});
    CHECK(second.remote()->usable());
  }
  SECTION("a local-only lookup (the build has just missed the key there) does not ask the remote") {
    LocalStore third = store_with_remote(dir.path() / "third", options_for(server.url()));
    CHECK_FALSE(third.get_action(k_key, anneal::cache::Lookup::LocalOnly));
    CHECK(server.log().empty());
    CHECK(third.get_action(k_key) == k_result);
    CHECK(third.get_action(k_key, anneal::cache::Lookup::LocalOnly) == k_result);
  }
}

TEST_CASE("an upload asks first and skips what the remote already holds", "[cache]") {
  FakeRemoteCache server;
  TempDir dir;
  std::string action_path = "ac/" + k_key.hex();
  std::string blob_path = "cas/" + digest_of(k_blob).hex();

  SECTION("a new entry is asked about, then put") {
    LocalStore store = store_with_remote(dir.path() / "cache", options_for(server.url()));
    REQUIRE(store.put_action(k_key, k_result));
    REQUIRE(store.put_blob(k_blob));
    CHECK(server.log() ==
          std::vector<std::string>{"HEAD " + action_path, "PUT " + action_path, "HEAD " + blob_path, "PUT " + blob_path});
  }
  SECTION("an entry already there is not put again") {
    server.put(action_path, encode_entry(EntryKind::Action, k_key, k_result));
    server.put(blob_path, encode_entry(EntryKind::Blob, digest_of(k_blob), k_blob));
    LocalStore store = store_with_remote(dir.path() / "cache", options_for(server.url()));
    REQUIRE(store.put_action(k_key, k_result));
    REQUIRE(store.put_blob(k_blob));
    CHECK(server.log() == std::vector<std::string>{"HEAD " + action_path, "HEAD " + blob_path});
  }
  SECTION("a blob cached before the remote was configured is uploaded when stored again") {
    REQUIRE(LocalStore(dir.path() / "cache").put_blob(k_blob));
    LocalStore store = store_with_remote(dir.path() / "cache", options_for(server.url()));
    REQUIRE(store.put_blob(k_blob));
    CHECK(server.stored(blob_path) == encode_entry(EntryKind::Blob, digest_of(k_blob), k_blob));
  }
}

TEST_CASE("a read-only remote is read but never written", "[cache]") {
  FakeRemoteCache server;
  TempDir dir;
  RemoteOptions options = options_for(server.url());
  options.read_only = true;
  LocalStore store = store_with_remote(dir.path() / "cache", options);

  REQUIRE(store.put_action(k_key, k_result));
  REQUIRE(store.put_blob(k_blob));
  CHECK(server.log().empty());
  CHECK_FALSE(server.stored("ac/" + k_key.hex()));

  Digest shared = digest_of("filled by CI");
  server.put("ac/" + shared.hex(), encode_entry(EntryKind::Action, shared, "from CI"));
  CHECK(store.get_action(shared) == "from CI");
}

TEST_CASE("a bad entry from the remote is a miss and is not kept", "[cache]") {
  FakeRemoteCache server;
  TempDir dir;
  StderrCapture stderr_text(dir.path() / "stderr");
  LocalStore store = store_with_remote(dir.path() / "cache", options_for(server.url()));
  Digest blob_digest = digest_of(k_blob);
  std::string good_action = encode_entry(EntryKind::Action, k_key, k_result);

  SECTION("random bytes") {
    server.set_mode(FakeRemoteCache::Mode::Garbage);
    CHECK_FALSE(store.get_action(k_key));
    CHECK_FALSE(store.get_blob(blob_digest));
  }
  SECTION("a truncated entry") {
    server.put("ac/" + k_key.hex(), good_action.substr(0, good_action.size() - 3));
    CHECK_FALSE(store.get_action(k_key));
  }
  SECTION("a blob entry where an action belongs") {
    server.put("ac/" + k_key.hex(), encode_entry(EntryKind::Blob, k_key, k_result));
    CHECK_FALSE(store.get_action(k_key));
  }
  SECTION("a valid action entry of another node") {
    server.put("ac/" + k_key.hex(), encode_entry(EntryKind::Action, digest_of("another node"), k_result));
    CHECK_FALSE(store.get_action(k_key));
  }
  SECTION("a valid action entry of version 1, which carries no key") {
    std::string v1 = good_action;
    v1.erase(16, 16);
    v1[8] = 1;
    v1.resize(v1.size() - 16);
    XXH128_canonical_t sum;
    XXH128_canonicalFromHash(&sum, XXH3_128bits(v1.data(), v1.size()));
    v1.append(reinterpret_cast<const char*>(sum.digest), 16);
    REQUIRE(anneal::cache::decode_entry(v1));
    server.put("ac/" + k_key.hex(), v1);
    CHECK_FALSE(store.get_action(k_key));
  }
  SECTION("a valid blob entry whose bytes do not hash to its name") {
    server.put("cas/" + blob_digest.hex(), encode_entry(EntryKind::Blob, blob_digest, "tampered"));
    CHECK_FALSE(store.get_blob(blob_digest));
  }

  CHECK_FALSE(fs::exists(store.action_path(k_key)));
  CHECK(LocalStore(dir.path() / "cache").stats().blobs == 0);
  CHECK(store.remote()->usable());
  CHECK(stderr_text.text().empty());

  // The bad entries are replaced by the next upload, although HEAD would call them present.
  server.set_mode(FakeRemoteCache::Mode::Normal);
  REQUIRE(store.put_action(k_key, k_result));
  REQUIRE(store.put_blob(k_blob));
  CHECK(server.stored("ac/" + k_key.hex()) == good_action);
  CHECK(server.stored("cas/" + blob_digest.hex()) == encode_entry(EntryKind::Blob, digest_of(k_blob), k_blob));
}

TEST_CASE("a failing remote warns once, is skipped by every later store and never fails a put", "[cache]") {
  FakeRemoteCache server;
  DeadPort dead;
  TempDir dir;
  StderrCapture stderr_text(dir.path() / "stderr");
  fs::path marker = dir.path() / ".anneal" / "remote-down";
  const std::string token = "tok-S3CRET-value";
  std::string url = server.url();
  std::string reason;

  SECTION("HTTP 500") {
    server.set_mode(FakeRemoteCache::Mode::Fail);
    reason = "GET ac/" + k_key.hex() + ": HTTP 500";
  }
  SECTION("a server that never answers") {
    server.set_mode(FakeRemoteCache::Mode::Hang);
    reason = "timed out";
  }
  SECTION("nothing listening") {
    url = dead.url();
    reason = "GET ac/" + k_key.hex() + ": ";
  }
  DeadPort silent(DeadPort::Kind::Silent);
  SECTION("a port that accepts and never answers") {
    url = silent.url();
    reason = "timed out";
  }

  RemoteOptions options = options_for(url, marker);
  options.token = token;
  LocalStore store = store_with_remote(dir.path() / "cache", options);
  auto started = std::chrono::steady_clock::now();
  CHECK_FALSE(store.get_action(k_key));
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(3));
  CHECK_FALSE(store.remote()->usable());
  size_t requests = server.seen().size();

  // Later calls make no request, and puts still succeed locally.
  REQUIRE(store.put_action(k_key, k_result));
  REQUIRE(store.put_blob(k_blob));
  CHECK_FALSE(store.get_blob(digest_of("absent")));
  CHECK(store.get_action(k_key) == k_result);
  CHECK(server.seen().size() == requests);

  // Another process of the build sees the marker and asks nothing, even of a healthy remote.
  FakeRemoteCache healthy;
  healthy.put("ac/" + k_key.hex(), encode_entry(EntryKind::Action, k_key, k_result));
  RemoteStore other(options_for(healthy.url(), marker));
  CHECK_FALSE(other.usable());
  CHECK_FALSE(other.get_action(k_key));
  other.put_blob(digest_of(k_blob), k_blob);
  CHECK(healthy.seen().empty());
  // What is remembered is the marker, not something of this process.
  RemoteStore unmarked(options_for(healthy.url(), dir.path() / "other-build-marker"));
  CHECK(unmarked.get_action(k_key) == k_result);

  std::string warning = stderr_text.text();
  CHECK(count_of(warning, "\n") == 1);
  CHECK_THAT(warning, Catch::StartsWith("anneal: warning: remote cache " + url + " unusable (") &&
                          Catch::EndsWith("); continuing with the local cache only\n") &&
                          Catch::Contains(reason));
  std::string recorded = anneal::read_file(marker).value_or("");
  CHECK_THAT(recorded, Catch::Contains(reason));
  for (const std::string& text : {warning, recorded})
    CHECK(text.find(token) == std::string::npos);
}

TEST_CASE("node processes that find the remote down at once print one warning between them", "[cache]") {
  // Every child has checked the marker and is waiting for its request to time out when the
  // first of them gives up, so only the marker's exclusive creation keeps the warning single.
  DeadPort silent(DeadPort::Kind::Silent);
  TempDir dir;
  StderrCapture stderr_text(dir.path() / "stderr");
  fs::path marker = dir.path() / ".anneal" / "remote-down";
  int start[2];
  REQUIRE(::pipe(start) == 0);
  std::vector<pid_t> children;
  for (int i = 0; i < 4; ++i) {
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::close(start[1]);
      char byte;
      [[maybe_unused]] ssize_t ignored = ::read(start[0], &byte, 1);  // returns when the parent closes it
      RemoteStore remote(options_for(silent.url(), marker));
      bool missed = !remote.get_action(k_key);
      ::_exit(missed && !remote.usable() ? 0 : 1);
    }
    children.push_back(child);
  }
  ::close(start[0]);
  ::close(start[1]);
  for (pid_t child : children) {
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  }
  CHECK(count_of(stderr_text.text(), "anneal: warning: remote cache") == 1);
  CHECK(fs::exists(marker));
}

TEST_CASE("the bearer token goes in the Authorization header only", "[cache]") {
  FakeRemoteCache server;
  TempDir dir;
  RemoteOptions options = options_for(server.url());
  std::string expected;
  SECTION("with a token") {
    options.token = "s3cret-Token_value";
    expected = "Bearer s3cret-Token_value";
  }
  SECTION("without one no header is sent") {}

  LocalStore store = store_with_remote(dir.path() / "cache", options);
  REQUIRE(store.put_action(k_key, k_result));
  CHECK(store_with_remote(dir.path() / "fresh", options).get_action(k_key) == k_result);
  auto seen = server.seen();
  REQUIRE(seen.size() == 3);  // HEAD, PUT, GET
  for (const auto& request : seen) {
    CHECK(request.authorization == expected);
    CHECK(request.path.find("s3cret") == std::string::npos);
  }
}

TEST_CASE("credentials in the remote URL stay out of the warning", "[cache]") {
  DeadPort dead;
  TempDir dir;
  StderrCapture stderr_text(dir.path() / "stderr");
  std::string url = dead.url();
  url.insert(url.find("//") + 2, "alice:hunter2@");
  RemoteStore remote(options_for(url));
  CHECK_FALSE(remote.get_action(k_key));
  CHECK(remote.display_url() == dead.url());
  std::string warning = stderr_text.text();
  CHECK_THAT(warning, Catch::Contains(dead.url()));
  CHECK(warning.find("hunter2") == std::string::npos);
}

TEST_CASE("a remote body past max_entry_size is cut as it arrives and the remote is skipped", "[cache]") {
  FakeRemoteCache server;
  TempDir dir;
  StderrCapture stderr_text(dir.path() / "stderr");
  RemoteOptions options = options_for(server.url());
  options.max_entry_size = uint64_t{1} << 20;
  LocalStore store = store_with_remote(dir.path() / "cache", options);
  SECTION("a 4 GiB body with its Content-Length") { server.set_mode(FakeRemoteCache::Mode::Huge); }
  SECTION("an endless chunked body") { server.set_mode(FakeRemoteCache::Mode::Endless); }

  CHECK_FALSE(store.get_action(k_key));
  // Read up to the bound (plus what was in flight), nowhere near the body's size.
  CHECK(server.streamed() < (uint64_t{64} << 20));
  CHECK_FALSE(store.remote()->usable());
  CHECK_FALSE(fs::exists(store.action_path(k_key)));
  CHECK(stderr_text.text().find("larger than cache.max_entry_size (1.0 MB)") != std::string::npos);
  // Skipped for the rest of the build: no further request.
  size_t requests = server.seen().size();
  CHECK_FALSE(store.get_blob(digest_of(k_blob)));
  CHECK(server.seen().size() == requests);
}

TEST_CASE("an entry larger than max_entry_size is kept locally and not uploaded", "[cache]") {
  FakeRemoteCache server;
  TempDir dir;
  RemoteOptions options = options_for(server.url());
  options.max_entry_size = 2048;
  LocalStore store = store_with_remote(dir.path() / "cache", options);
  std::string big(4096, 'b');
  auto digest = store.put_blob(big);
  REQUIRE(digest);
  CHECK(store.get_blob(*digest) == big);
  CHECK_FALSE(server.stored("cas/" + digest->hex()));
  CHECK(server.log().empty());
  CHECK(store.remote()->usable());
}
