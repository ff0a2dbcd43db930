#include "proc/sandbox.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string_view>

#include "proc/subprocess.h"

namespace anneal::proc {

namespace fs = std::filesystem;

namespace {

/// `bwrap` on PATH, or empty.
fs::path find_bwrap() {
  const char* path = std::getenv("PATH");
  std::string_view rest = path ? path : "/usr/bin:/bin";
  while (true) {
    size_t colon = rest.find(':');
    std::string_view dir = rest.substr(0, colon);
    if (!dir.empty()) {
      fs::path candidate = fs::path(dir) / "bwrap";
      if (::access(candidate.c_str(), X_OK) == 0)
        return candidate;
    }
    if (colon == std::string_view::npos)
      return {};
    rest.remove_prefix(colon + 1);
  }
}

std::string shell_quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

/// The path as bwrap should bind it: absolute, without symlinks (a symlink under the private
/// /tmp would point nowhere inside), without a trailing slash.
fs::path bind_path(const fs::path& path) {
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec);
  if (ec)
    absolute = path;
  fs::path canonical = fs::weakly_canonical(absolute, ec);
  fs::path out = (ec ? absolute : canonical).lexically_normal();
  if (out.has_relative_path() && out.filename().empty())
    out = out.parent_path();
  return out;
}

size_t depth(const fs::path& path) {
  return static_cast<size_t>(std::distance(path.begin(), path.end()));
}

}  // namespace

std::vector<std::string> sandbox_argv(const fs::path& bwrap, const SandboxOptions& options, const fs::path& cwd) {
  std::vector<std::string> argv = {bwrap.string(), "--die-with-parent", "--new-session", "--unshare-pid",
                                   "--unshare-ipc", "--unshare-uts"};
  if (!options.network)
    argv.push_back("--unshare-net");
  for (const char* arg : {"--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"})
    argv.push_back(arg);
  fs::path mask = options.mask.empty() ? fs::path() : bind_path(options.mask);
  if (!mask.empty())
    argv.insert(argv.end(), {"--tmpfs", mask.string()});

  // Parents before children, so a writable worktree inside a read-only repository stays
  // writable; at the same path, writable wins (it comes later).
  struct Bind {
    fs::path path;
    bool writable;
  };
  std::vector<Bind> binds;
  for (const auto& p : options.readable)
    binds.push_back({bind_path(p), false});
  for (const auto& p : options.writable)
    binds.push_back({bind_path(p), true});
  std::stable_sort(binds.begin(), binds.end(), [](const Bind& a, const Bind& b) {
    if (depth(a.path) != depth(b.path))
      return depth(a.path) < depth(b.path);
    return a.writable < b.writable;
  });
  for (const Bind& bind : binds) {
    // The root is read-only already: a read-only bind only matters where a tmpfs hid it.
    if (bind.path == "/")
      continue;
    argv.insert(argv.end(), {bind.writable ? "--bind-try" : "--ro-bind-try", bind.path.string(), bind.path.string()});
  }
  for (const auto& p : options.hidden) {
    std::error_code ec;
    fs::path path = bind_path(p);
    auto status = fs::symlink_status(path, ec);
    if (ec || !fs::exists(status))
      continue;
    if (fs::is_directory(status))
      argv.insert(argv.end(), {"--tmpfs", path.string(), "--remount-ro", path.string()});
    else
      argv.insert(argv.end(), {"--ro-bind", "/dev/null", path.string()});
  }
  if (!mask.empty())
    argv.insert(argv.end(), {"--remount-ro", mask.string()});
  if (!cwd.empty())
    argv.insert(argv.end(), {"--chdir", bind_path(cwd).string()});
  argv.push_back("--");
  return argv;
}

SandboxProbe probe_sandbox(bool trust_env) {
  SandboxProbe probe;
  if (const char* env = std::getenv(k_sandbox_env); env != nullptr && *env != '\0') {
    std::string_view value(env);
    if (value.starts_with("none")) {
      value.remove_prefix(4);
      while (!value.empty() && (value.front() == ':' || value.front() == ' '))
        value.remove_prefix(1);
      probe.reason = value.empty() ? std::string(k_sandbox_env) + "=none" : std::string(value);
      return probe;
    }
    if (trust_env) {
      probe.available = true;
      probe.bwrap = value;
      return probe;
    }
  }
  fs::path bwrap = find_bwrap();
  if (bwrap.empty()) {
    probe.reason = "bwrap is not on PATH (Debian: apt-get install bubblewrap)";
    return probe;
  }
  SandboxOptions layout;
  layout.network = false;
  std::string command = "exec";
  for (const auto& arg : sandbox_argv(bwrap, layout, "/"))
    command += " " + shell_quote(arg);
  command += " /bin/true";
  RunOptions run;
  run.command = command;
  run.timeout_s = 10;
  auto result = proc::run(run);
  if (!result) {
    probe.reason = result.error().message;
    return probe;
  }
  if (!result->ok()) {
    std::string err = result->err;
    if (size_t newline = err.find('\n'); newline != std::string::npos)
      err.resize(newline);
    probe.reason = err.empty() ? "bwrap failed: " + result->describe() : err;
    return probe;
  }
  probe.available = true;
  probe.bwrap = bwrap;
  return probe;
}

const SandboxProbe& sandbox_probe() {
  static const SandboxProbe probe = probe_sandbox(true);
  return probe;
}

std::string sandbox_env_value(const SandboxProbe& probe) {
  return probe.available ? probe.bwrap.string() : "none: " + probe.reason;
}

}  // namespace anneal::proc
