// `anneal dashboard`: runs anneal-dashboard, the web server, installed beside `anneal`.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.h"

namespace anneal::cli {

namespace fs = std::filesystem;

namespace {

/// anneal-dashboard beside this binary (build/, bin/), else in ../libexec/anneal/.
std::optional<fs::path> dashboard_program() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec)
    return std::nullopt;
  for (const fs::path& candidate :
       {self.parent_path() / "anneal-dashboard", self.parent_path().parent_path() / "libexec/anneal/anneal-dashboard"})
    if (::access(candidate.c_str(), X_OK) == 0)
      return candidate;
  return std::nullopt;
}

}  // namespace

Result<int> run_dashboard(const DashboardArgs& args) {
  auto program = dashboard_program();
  if (!program)
    return fail("anneal-dashboard is not installed beside anneal (cmake --install build installs both)");
  std::string port = std::to_string(args.port);
  std::vector<std::string> words = {program->string(), "--host", args.host, "--port", port};
  if (args.open)
    words.push_back("--open");
  std::vector<char*> argv;
  for (auto& w : words)
    argv.push_back(w.data());
  argv.push_back(nullptr);
  std::fflush(stdout);
  ::execv(program->c_str(), argv.data());
  return fail(fmt::format("cannot run {}: {}", program->string(), std::strerror(errno)));
}

}  // namespace anneal::cli
