#include "harness.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace anneal::system_test {

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path make_temp_dir(const char* prefix) {
  std::string pattern = (fs::temp_directory_path() / (std::string(prefix) + "XXXXXX")).string();
  if (!::mkdtemp(pattern.data()))
    throw std::runtime_error("mkdtemp failed");
  return fs::path(pattern);
}

/// The scratch folders of the live repositories, writable by every sandboxed command
/// (ANNEAL_SANDBOX_WRITABLE): tests count runs there from agents and stages.
void set_sandbox_writable(const fs::path& scratch, bool add) {
  const char* name = "ANNEAL_SANDBOX_WRITABLE";
  std::vector<std::string> paths;
  if (const char* now = std::getenv(name)) {
    std::stringstream in(now);
    for (std::string p; std::getline(in, p, ':');)
      if (!p.empty() && p != scratch.string())
        paths.push_back(p);
  }
  if (add)
    paths.push_back(scratch.string());
  std::string value;
  for (const auto& p : paths)
    value += (value.empty() ? "" : ":") + p;
  ::setenv(name, value.c_str(), 1);
}

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::string anneal_binary() { return ANNEAL_BIN; }

Outcome sh(const std::string& command, const fs::path& cwd) {
  fs::path dir = make_temp_dir("anneal-sh-");
  fs::path out = dir / "out", err = dir / "err";
  std::string full = "cd " + quote(cwd.string()) + " && { " + command + "\n} </dev/null >" + quote(out.string()) +
                     " 2>" + quote(err.string());
  int raw = std::system(full.c_str());
  Outcome o;
  o.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  o.out = slurp(out);
  o.err = slurp(err);
  std::error_code ec;
  fs::remove_all(dir, ec);
  return o;
}

TempRepo::TempRepo() : m_path(make_temp_dir("anneal-repo-")), m_scratch(make_temp_dir("anneal-scratch-")) {
  Outcome o = run(
      "git init -q -b main && git config user.name 'anneal test' && git config user.email test@anneal.invalid "
      "&& git config commit.gpgsign false");
  if (o.status != 0)
    throw std::runtime_error("git init failed: " + o.err);
  set_sandbox_writable(m_scratch, true);
}

TempRepo::~TempRepo() {
  set_sandbox_writable(m_scratch, false);
  std::error_code ec;
  fs::remove_all(m_path, ec);
  fs::remove_all(m_scratch, ec);
}

void TempRepo::write(const std::string& relative, const std::string& contents, bool executable) const {
  fs::path p = m_path / relative;
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << contents;
  if (executable)
    fs::permissions(p, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec, fs::perm_options::add);
}

std::string TempRepo::read(const std::string& relative) const { return slurp(m_path / relative); }

bool TempRepo::exists(const std::string& relative) const { return fs::exists(m_path / relative); }

std::string TempRepo::commit(const std::string& message) const {
  Outcome o = run("git add -A && git commit -q -m " + quote(message) + " && git rev-parse HEAD");
  if (o.status != 0)
    throw std::runtime_error("git commit failed: " + o.err);
  return o.out.substr(0, 40);
}

Outcome TempRepo::anneal(const std::string& args) const {
  // The user's config directory (learning pool, pricing.yaml) stays out of tests.
  return run("ANNEAL_CONFIG_DIR=" + quote((m_scratch / "config").string()) + " " + quote(anneal_binary()) + " " +
             args);
}

std::string TempRepo::fsck_problems() const {
  Outcome o = run("git fsck --no-progress 2>&1 | grep -v '^dangling ' | grep -v '^notice: ' || true");
  return o.out;
}

std::string TempRepo::status() const { return run("git status --porcelain").out; }

nlohmann::json TempRepo::history(const std::string& target) const {
  Outcome o = anneal("history " + target + " --json");
  if (o.status != 0)
    throw std::runtime_error("anneal history failed: " + o.err);
  return nlohmann::json::parse(o.out);
}

std::vector<nlohmann::json> TempRepo::ledger(const std::string& target) const {
  std::vector<nlohmann::json> records;
  std::istringstream lines(read(".anneal/targets/" + target + "/experiments.jsonl"));
  for (std::string line; std::getline(lines, line);) {
    if (!nlohmann::json::accept(line))
      throw std::runtime_error("not a JSON ledger line: " + line);
    records.push_back(nlohmann::json::parse(line));
  }
  return records;
}

std::string with_scratch(std::string text, const TempRepo& repo) {
  const std::string marker = "SCRATCH";
  for (size_t at = text.find(marker); at != std::string::npos; at = text.find(marker, at))
    text.replace(at, marker.size(), repo.scratch().string());
  return text;
}

int count_lines(const fs::path& file) {
  std::ifstream in(file);
  int n = 0;
  std::string line;
  while (std::getline(in, line))
    ++n;
  return n;
}

}  // namespace anneal::system_test
