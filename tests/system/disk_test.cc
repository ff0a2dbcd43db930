// safety.min_free_disk on a real small file system: a tmpfs mounted on the repository's
// .anneal/ (the tests run as root on CI; elsewhere they say they were skipped).
#include <catch2/catch.hpp>

#include <sys/mount.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "harness.h"

using namespace anneal::system_test;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// A tmpfs of `size` on `dir` for the test's lifetime (declare it after the TempRepo, so it is
/// unmounted before the repository is removed).
class Tmpfs {
 public:
  Tmpfs(const fs::path& dir, const std::string& size) : m_dir(dir) {
    fs::create_directories(dir);
    if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0)
      m_mounted = true;
    else
      m_error = std::strerror(errno);
  }
  ~Tmpfs() {
    if (m_mounted)
      ::umount2(m_dir.c_str(), MNT_DETACH);
  }
  Tmpfs(const Tmpfs&) = delete;
  Tmpfs& operator=(const Tmpfs&) = delete;
  bool mounted() const { return m_mounted; }
  const std::string& error() const { return m_error; }

 private:
  fs::path m_dir;
  bool m_mounted = false;
  std::string m_error;
};

uint64_t free_bytes(const fs::path& dir) {
  struct statvfs vfs {};
  REQUIRE(::statvfs(dir.c_str(), &vfs) == 0);
  return static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
}

/// Fills the file system of `dir` until `leave` bytes are free, with one file named `name`.
void fill(const fs::path& dir, const std::string& name, uint64_t leave) {
  uint64_t free = free_bytes(dir);
  REQUIRE(free > leave);
  std::ofstream out(dir / name, std::ios::binary);
  std::string chunk(64 * 1024, 'x');
  for (uint64_t left = free - leave; left > 0;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(left, chunk.size()));
    out.write(chunk.data(), static_cast<std::streamsize>(n));
    left -= n;
  }
  out.close();
  REQUIRE(out.good());
}

void set_up(const TempRepo& repo, const std::string& safety) {
  repo.write("score.txt", "100\n");
  repo.write("Annealfile", "annealfile: 1\n" + safety + R"(targets:
  t:
    artifact: [score.txt]
    agent: {kind: command, run: "echo $((100 - 10 * ANNEAL_EXPERIMENT)) > score.txt"}
    stages: [{name: score, run: "cat score.txt"}]
    objective: {metric: score, direction: minimize}
    budget: {experiments: 3}
)");
  repo.commit("project");
}

}  // namespace

TEST_CASE("a build stops before an experiment when .anneal/ has less than safety.min_free_disk free",
          "[system][disk]") {
  TempRepo repo;
  Tmpfs tmpfs(repo.path() / ".anneal", "24m");
  if (!tmpfs.mounted()) {
    WARN("skipped: cannot mount a tmpfs here (" << tmpfs.error() << "); CI runs this as root");
    return;
  }
  set_up(repo, "safety: {min_free_disk: 8Mi}\n");
  Outcome first = repo.anneal("build --experiments 1");
  INFO(first.out << first.err);
  REQUIRE(first.status == 0);
  REQUIRE(repo.history("t").size() == 2);
  std::string refs_before = repo.run("git for-each-ref refs/anneal").out;
  const std::string k_listing =
      "find .anneal -mindepth 1 ! -name filler ! -path '.anneal/tmp/*' \\( -type f -printf '%P %s\\n' -o -printf '%P\\n' \\) | sort";
  std::string files_before = repo.run(k_listing).out;

  fill(repo.path() / ".anneal", "filler", 4 << 20);
  Outcome full = repo.anneal("build");
  INFO(full.out << full.err);
  CHECK(full.status == 1);
  CHECK(contains(full.err, "t: stopped before experiment #2, nothing of it written: only 4."));
  CHECK(contains(full.err, " MB free on the file system of " + (repo.path() / ".anneal").string() +
                               " (safety.min_free_disk is 8 MiB)"));
  CHECK(contains(full.err, "what takes the space under .anneal/, largest first: filler 2"));
  CHECK(contains(full.err, "`anneal cache gc --max-size SIZE`"));
  // Nothing of #2: no record, no candidate ref, no file under .anneal/ (no spec, worktree, log;
  // the scratch files an earlier build left in .anneal/tmp are cleared by any build).
  CHECK(repo.history("t").size() == 2);
  CHECK(repo.run("git for-each-ref refs/anneal").out == refs_before);
  CHECK(repo.run(k_listing).out == files_before);

  fs::remove(repo.path() / ".anneal" / "filler");
  Outcome freed = repo.anneal("build");
  INFO(freed.out << freed.err);
  CHECK(freed.status == 0);
  auto history = repo.history("t");
  REQUIRE(history.size() == 4);
  CHECK(history[3]["score"] == 70);
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("safety.min_free_disk is 1 GiB unless the Annealfile says otherwise", "[system][disk]") {
  TempRepo repo;
  Tmpfs tmpfs(repo.path() / ".anneal", "16m");
  if (!tmpfs.mounted()) {
    WARN("skipped: cannot mount a tmpfs here (" << tmpfs.error() << "); CI runs this as root");
    return;
  }
  set_up(repo, "");
  Outcome refused = repo.anneal("build");
  INFO(refused.out << refused.err);
  CHECK(refused.status == 1);
  CHECK(contains(refused.err, "t: stopped before experiment #0, nothing of it written"));
  CHECK(contains(refused.err, "(safety.min_free_disk is 1 GiB)"));
  CHECK_FALSE(fs::exists(repo.path() / ".anneal/targets/t/experiments.jsonl"));

  repo.write("Annealfile", "safety: {min_free_disk: 0}\n" + repo.read("Annealfile"));
  Outcome unchecked = repo.anneal("build");
  INFO(unchecked.out << unchecked.err);
  CHECK(unchecked.status == 0);
  CHECK(repo.history("t").size() == 4);
  CHECK(repo.fsck_problems().empty());
}
