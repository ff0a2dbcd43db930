#include "graph/build_stamp.h"

#include <sys/stat.h>

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "git/git_dirs.h"
#include "util/file.h"

namespace anneal::graph {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_stamp_prefix = "anneal-up-to-date 1 ";

fs::path stamp_path(const Workspace& workspace) { return workspace.anneal_dir() / "up-to-date"; }

/// "size mtime" of a file, or "-" when it cannot be read.
std::string file_state(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return "-";
  return fmt::format("{} {}.{}", st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

/// What the commit at HEAD depends on, by stat and without opening the repository: HEAD's
/// text, the branch file it names and packed-refs (a target follows HEAD).
std::string head_state(const fs::path& root) {
  git::GitDirs dirs = git::git_dirs(root);
  if (dirs.gitdir.empty())
    return "no git directory";
  std::string head = trim_line_end(read_file_if_exists(dirs.gitdir / "HEAD").value_or(""));
  std::string out = "HEAD " + head;
  if (head.starts_with("ref: "))
    out += "\nref " + file_state(dirs.common / head.substr(5));
  out += "\npacked-refs " + file_state(dirs.common / "packed-refs");
  return out;
}

}  // namespace

cache::Digest build_fingerprint(const Workspace& workspace, const fs::path& annealfile, std::string_view arguments) {
  std::string input = fmt::format("args\n{}\nbinary\n{}\nannealfile\n", arguments, file_state("/proc/self/exe"));
  input += read_file_if_exists(annealfile).value_or("<missing>");
  input += "\n" + head_state(workspace.root());
  std::vector<std::string> ledgers;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(workspace.anneal_dir() / "targets", ec)) {
    fs::path ledger = entry.path() / "experiments.jsonl";
    ledgers.push_back(fmt::format("{} {}", entry.path().filename().string(), file_state(ledger)));
  }
  std::sort(ledgers.begin(), ledgers.end());
  for (const auto& line : ledgers)
    input += "\nledger " + line;
  return cache::digest_of(input, "anneal-build-stamp-v2");
}

bool stamp_matches(const Workspace& workspace, const cache::Digest& fingerprint) {
  auto text = read_file_if_exists(stamp_path(workspace));
  return text && *text == fmt::format("{}{}\n", k_stamp_prefix, fingerprint.hex());
}

void save_stamp(const Workspace& workspace, const cache::Digest& fingerprint) {
  (void)write_file_atomic(stamp_path(workspace), fmt::format("{}{}\n", k_stamp_prefix, fingerprint.hex()),
                          Durability::Unsynced);
}

void clear_stamp(const Workspace& workspace) {
  std::error_code ec;
  fs::remove(stamp_path(workspace), ec);
}

}  // namespace anneal::graph
