// Test support for src/git: real temporary repositories made with the git command line.
#pragma once

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "util/file.h"

namespace anneal::git::testing {

namespace fs = std::filesystem;

/// What a shell command printed (stdout and stderr) and how it exited.
struct ShellResult {
  int status = -1;
  std::string output;
};

inline ShellResult shell(const std::string& command) {
  // Keep the developer's own git configuration out of the tests.
  ::setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
  ::setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
  ShellResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr)
    return result;
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0)
    result.output.append(buffer, n);
  int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

inline std::string quote(const fs::path& path) { return "'" + path.string() + "'"; }

/// Runs a command that must succeed and returns its output without the final newline.
inline std::string must(const std::string& command) {
  ShellResult result = shell(command);
  INFO(command << "\n" << result.output);
  REQUIRE(result.status == 0);
  while (!result.output.empty() && result.output.back() == '\n')
    result.output.pop_back();
  return result.output;
}

/// A directory made with mkdtemp and removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "anneal-git-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    m_path = fs::canonical(pattern);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
  }
  const fs::path& path() const { return m_path; }

 private:
  fs::path m_path;
};

/// A fresh non-bare repository with an identity configured and no commits.
class TempRepo {
 public:
  TempRepo() {
    git("init -q -b main");
    git("config user.name Tester");
    git("config user.email tester@example.com");
    git("config commit.gpgsign false");
  }
  const fs::path& path() const { return m_dir.path(); }

  std::string git(const std::string& args) const { return must("git -C " + quote(path()) + " " + args); }

  void write(const std::string& relative, std::string_view contents, bool executable = false) const {
    REQUIRE(write_file_atomic(path() / relative, contents));
    fs::permissions(path() / relative,
                    executable ? fs::perms(0755) : fs::perms(0644), fs::perm_options::replace);
  }

  /// Stages everything and commits; returns the new commit id.
  std::string commit(const std::string& message = "change") const {
    git("add -A");
    git("commit -q -m '" + message + "'");
    return git("rev-parse HEAD");
  }

  /// `git fsck` must find nothing wrong.
  void require_fsck_clean() const {
    ShellResult result = shell("git -C " + quote(path()) + " fsck --no-progress");
    INFO(result.output);
    REQUIRE(result.status == 0);
    // Unreferenced candidate commits are "dangling" and an empty repository gets notices,
    // which is fine; anything else is not.
    size_t start = 0;
    while (start < result.output.size()) {
      size_t end = result.output.find('\n', start);
      if (end == std::string::npos)
        end = result.output.size();
      std::string line = result.output.substr(start, end - start);
      if (!line.empty())
        CHECK((line.starts_with("dangling ") || line.starts_with("notice: ")));
      start = end + 1;
    }
  }

 private:
  TempDir m_dir;
};

}  // namespace anneal::git::testing
