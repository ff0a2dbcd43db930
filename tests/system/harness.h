// Helpers for system tests: real temporary git repositories, the built `anneal` binary and
// the real ninja, driven the way a user drives them.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace anneal::system_test {

/// What a command printed and how it ended.
struct Outcome {
  int status = -1;  ///< exit status, or 128 + signal
  std::string out;
  std::string err;
};

/// Runs `command` through /bin/sh in `cwd`, capturing its output (stdin is /dev/null).
Outcome sh(const std::string& command, const std::filesystem::path& cwd);

/// A temporary git repository, removed at the end of the test. `git fsck` must be clean
/// when it goes away (checked by `fsck_clean()`, which tests call at the end).
class TempRepo {
 public:
  TempRepo();
  ~TempRepo();
  TempRepo(const TempRepo&) = delete;
  TempRepo& operator=(const TempRepo&) = delete;

  const std::filesystem::path& path() const { return m_path; }
  /// Writes a file (creating folders), relative to the repository.
  void write(const std::string& relative, const std::string& contents, bool executable = false) const;
  std::string read(const std::string& relative) const;
  bool exists(const std::string& relative) const;
  /// Commits everything (git add -A) with `message`; returns the commit id.
  std::string commit(const std::string& message = "test") const;
  /// Runs the anneal binary with `args` (a shell-quoted string) in the repository, with
  /// ANNEAL_CONFIG_DIR in the scratch folder (`scratch()/config`).
  Outcome anneal(const std::string& args) const;
  /// Runs a shell command in the repository.
  Outcome run(const std::string& command) const { return sh(command, m_path); }
  /// `git fsck --no-progress` output without "dangling" lines: empty when clean.
  std::string fsck_problems() const;
  /// `git status --porcelain` of the user's checkout.
  std::string status() const;
  /// `anneal history TARGET --json`, parsed.
  nlohmann::json history(const std::string& target) const;
  /// TARGET's raw ledger, one parsed object per line; a line that is not JSON throws.
  std::vector<nlohmann::json> ledger(const std::string& target) const;

  /// A scratch folder outside the repository (for counters that agents and stages bump),
  /// writable in the sandbox: listed in ANNEAL_SANDBOX_WRITABLE while the repository lives.
  const std::filesystem::path& scratch() const { return m_scratch; }

 private:
  std::filesystem::path m_path;
  std::filesystem::path m_scratch;
};

/// Replaces every "SCRATCH" in `text` with the scratch folder of `repo` (for commands that
/// count their runs outside the repository).
std::string with_scratch(std::string text, const TempRepo& repo);

/// Counts lines in a file (0 when missing): tests make commands append one line per run.
int count_lines(const std::filesystem::path& file);

/// Path of the anneal binary under test.
std::string anneal_binary();

}  // namespace anneal::system_test
