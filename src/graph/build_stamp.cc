#include "graph/build_stamp.h"

#include <sys/stat.h>

#include <algorithm>
#include <vector>

#include <fmt/format.h>

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

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.pop_back();
  return text;
}

/// What the commit at HEAD depends on, by stat and without opening the repository: HEAD's
/// text, the branch file it names and packed-refs (a target follows HEAD).
std::string head_state(const fs::path& root) {
  fs::path git = root / ".git";
  std::error_code ec;
  if (!fs::is_directory(git, ec)) {  // a linked worktree or a submodule: "gitdir: PATH"
    std::string link = trimmed(read_file_if_exists(git).value_or(""));
    if (!link.starts_with("gitdir: "))
      return "no git directory";
    git = fs::path(link.substr(8));
    if (git.is_relative())
      git = root / git;
  }
  fs::path common = git;
  if (auto dir = read_file_if_exists(git / "commondir")) {
    fs::path named = trimmed(*dir);
    common = named.is_relative() ? git / named : named;
  }
  std::string head = trimmed(read_file_if_exists(git / "HEAD").value_or(""));
  std::string out = "HEAD " + head;
  if (head.starts_with("ref: "))
    out += "\nref " + file_state(common / head.substr(5));
  out += "\npacked-refs " + file_state(common / "packed-refs");
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
