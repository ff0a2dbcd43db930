// What `anneal build` shows as it runs, read the way a user sees it: through a
// pseudo-terminal (the status line, colour), through a pipe (one line per experiment), with
// -v (what the commands print) and -q (the summary only).
#include <catch2/catch.hpp>

#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <regex>
#include <set>
#include <string>

#include <fmt/format.h>

#include "harness.h"

using namespace anneal::system_test;

namespace {

/// One target `t` whose only stage prints a line, sleeps `sleep` seconds, prints another and
/// the score; `stage_extra` runs first in it (to make the candidate's stage fail).
void set_up(const TempRepo& repo, const std::string& sleep = "2", const std::string& stage_extra = "") {
  repo.write("agent.sh",
             "echo 'agent at work'\n"
             "echo 93 > score.txt\n"
             "echo 'score becomes 93' > \"$ANNEAL_HYPOTHESIS_FILE\"\n");
  repo.write("score.txt", "150\n");
  repo.write("Annealfile", fmt::format(R"(annealfile: 1
agents:
  bot: {{kind: command, run: "sh agent.sh", timeout: 30s}}
targets:
  t:
    artifact: [score.txt]
    agent: bot
    stages:
      - {{name: slow, run: "{}echo starting; sleep {}; echo slept; cat score.txt"}}
    objective: {{metric: slow, direction: minimize}}
    search: {{strategy: greedy, seed: 1}}
    budget: {{experiments: 1}}
)",
                                       stage_extra, sleep));
  repo.commit("project");
}

/// Runs `anneal ARGS` in `repo` on a pseudo-terminal 200 columns wide, with `env` ("NAME=VALUE
/// " words, or "") before it; returns everything the terminal showed and the exit status.
Outcome on_terminal(const TempRepo& repo, const std::string& args, const std::string& env = "") {
  std::string command = fmt::format("cd '{}' && exec env -u NO_COLOR TERM=xterm ANNEAL_CONFIG_DIR='{}' {}'{}' {}",
                                    repo.path().string(), (repo.scratch() / "config").string(), env,
                                    anneal_binary(), args);
  struct winsize size {};
  size.ws_row = 24;
  size.ws_col = 200;
  int master = -1;
  pid_t pid = ::forkpty(&master, nullptr, nullptr, &size);
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  Outcome outcome;
  // A generous bound: the build takes seconds; this only keeps a hung build from hanging the suite.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(4);
  char buffer[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd fd{master, POLLIN, 0};
    if (::poll(&fd, 1, 200) <= 0)
      continue;
    ssize_t n = ::read(master, buffer, sizeof buffer);
    if (n <= 0)
      break;  // EIO: the terminal's other side is closed, the build has ended
    outcome.out.append(buffer, static_cast<size_t>(n));
  }
  ::close(master);
  int status = 0;
  ::waitpid(pid, &status, 0);
  outcome.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return outcome;
}

/// The SGR (colour) codes in `text`.
bool has_colour(const std::string& text) {
  return std::regex_search(text, std::regex("\x1b\\[[0-9;]*m"));
}

/// The texts the status line showed (what follows each carriage return) for stage `slow` of
/// experiment `id`, with its elapsed time.
std::set<std::string> running_lines(const std::string& shown, int id) {
  std::set<std::string> lines;
  std::regex line(fmt::format(R"(\r(\[{0}/1\] t #{0} \(\d/\d\) stage slow t#{0}\.0 [0-9]+\.[0-9] s))", id));
  for (auto it = std::sregex_iterator(shown.begin(), shown.end(), line); it != std::sregex_iterator(); ++it)
    lines.insert((*it)[1]);
  return lines;
}

}  // namespace

TEST_CASE("on a terminal the status line names the running node and its elapsed time, refreshed, in colour",
          "[system][terminal]") {
  TempRepo repo;
  set_up(repo);
  Outcome build = on_terminal(repo, "build");
  INFO(build.out);
  REQUIRE(build.status == 0);
  // Shown while the stage runs: before the experiment's own line, and again and again as
  // the seconds pass (a 2 s sleep refreshed five times a second shows several times).
  for (int id : {0, 1}) {
    auto lines = running_lines(build.out, id);
    CHECK(lines.size() >= 2);
    if (lines.empty())
      continue;
    size_t running = build.out.find(*lines.begin());
    size_t finished = build.out.find(fmt::format("[{0}/1] t #{0} ", id), running + 1);
    CHECK(running < finished);
  }
  CHECK(build.out.find("\x1b[K") != std::string::npos);  // the line is overwritten in place
  CHECK(has_colour(build.out));
  CHECK(build.out.find("\x1b[32mkept\x1b[0m") != std::string::npos);
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("NO_COLOR keeps the terminal's status line but drops the colour", "[system][terminal]") {
  TempRepo repo;
  set_up(repo, "1");
  Outcome build = on_terminal(repo, "build", "NO_COLOR=1 ");
  INFO(build.out);
  REQUIRE(build.status == 0);
  CHECK_FALSE(running_lines(build.out, 1).empty());
  CHECK_FALSE(has_colour(build.out));
  CHECK(build.out.find("[1/1] t #1 kept 93") != std::string::npos);
}

TEST_CASE("piped, a build prints one plain line per finished experiment and no status line", "[system][terminal]") {
  TempRepo repo;
  set_up(repo, "1");
  Outcome build = repo.anneal("build");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);
  CHECK(build.out.find('\x1b') == std::string::npos);
  CHECK(build.out.find('\r') == std::string::npos);
  // The baseline's line, the experiment's, the summary.
  CHECK(std::count(build.out.begin(), build.out.end(), '\n') == 3);
  CHECK(build.out.starts_with("[0/1] t #0 baseline 150  (best 150, "));
  CHECK(build.out.find("\n[1/1] t #1 kept 93  (best 93, ") != std::string::npos);
  CHECK(build.out.find("stage slow") == std::string::npos);
}

TEST_CASE("build -v streams each command's output prefixed by its node, build -q prints only the summary", "[system][terminal]") {
  TempRepo repo;
  set_up(repo, "0.2");
  const std::string summary = "t: 1 experiment(s) run after the baseline; best 93 (baseline 150), branch anneal/t\n";

  SECTION("-v") {
    Outcome build = repo.anneal("build -v");
    INFO(build.out << build.err);
    REQUIRE(build.status == 0);
    for (const char* line : {"stage slow t#0.0 | starting\n", "stage slow t#0.0 | slept\n",
                             "stage slow t#0.0 | 150\n", "mutate t#1.0 | agent at work\n",
                             "stage slow t#1.0 | 93\n"})
      CHECK(build.out.find(line) != std::string::npos);
    // The command's lines come before the line of the experiment they belong to.
    CHECK(build.out.find("stage slow t#0.0 | slept") < build.out.find("[0/1] t #0 baseline"));
    CHECK(build.out.ends_with(summary));
    CHECK(repo.run("ls .anneal/running 2>/dev/null").out.empty());  // nothing left behind
  }
  SECTION("-q") {
    Outcome build = repo.anneal("build -q");
    INFO(build.out << build.err);
    REQUIRE(build.status == 0);
    CHECK(build.out == summary);
    CHECK(build.err.empty());
    CHECK(repo.history("t").size() == 2);
  }
  SECTION("-q on a terminal") {
    Outcome build = on_terminal(repo, "build -q");
    INFO(build.out);
    REQUIRE(build.status == 0);
    CHECK(build.out == std::regex_replace(summary, std::regex("\n"), "\r\n"));
  }
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("a failed node's line ends with the `anneal show KEY` that opens its log", "[system][terminal]") {
  TempRepo repo;
  set_up(repo, "0", "if grep -q 93 score.txt; then echo 'the stage broke' >&2; exit 3; fi; ");
  Outcome build = repo.anneal("build");
  INFO(build.out << build.err);
  size_t at = build.out.find("[1/1] t #1 ");
  REQUIRE(at != std::string::npos);
  std::string line = build.out.substr(at, build.out.find('\n', at) - at);
  std::smatch key;
  REQUIRE(std::regex_search(line, key, std::regex("  log: anneal show ([0-9a-f]{16})$")));
  Outcome shown = repo.anneal("show " + key[1].str());
  INFO(shown.out << shown.err);
  CHECK(shown.status == 0);
  CHECK(shown.out.find("the stage broke") != std::string::npos);

  SECTION("on a terminal too, in colour") {
    repo.anneal("clean t");
    Outcome tty = on_terminal(repo, "build");
    INFO(tty.out);
    std::smatch shown_key;
    CHECK(std::regex_search(tty.out, shown_key,
                            std::regex("\\[1/1\\] t #1 \x1b\\[[0-9;]*m[a-z]+\x1b\\[0m .*  log: \x1b\\[1manneal show "
                                       "([0-9a-f]{16})\x1b\\[0m\r\n")));
  }
}

TEST_CASE("what an agent writes cannot drive the terminal: its escape sequences are shown, not obeyed",
          "[system][terminal]") {
  TempRepo repo;
  set_up(repo, "0");
  // A hostile agent: it retitles the window and clears the screen in what it prints, in its
  // hypothesis and in the log `anneal show` opens.
  repo.write("agent.sh",
             "printf 'agent \\033]0;pwned\\007at work\\n'\n"
             "echo 93 > score.txt\n"
             "printf 'score \\033[2Jbecomes 93\\n' > \"$ANNEAL_HYPOTHESIS_FILE\"\n");
  repo.commit("hostile agent");
  Outcome build = on_terminal(repo, "build -v");
  INFO(build.out);
  REQUIRE(build.status == 0);
  CHECK(build.out.find("\x1b]0;") == std::string::npos);
  CHECK(build.out.find("\x1b[2J") == std::string::npos);
  CHECK(build.out.find("mutate t#1.0 |\x1b[0m agent ^[]0;pwned^Gat work") != std::string::npos);
  CHECK(build.out.find("[1/1] t #1 \x1b[32mkept\x1b[0m 93") != std::string::npos);
  CHECK(build.out.find("score [2Jbecomes 93") != std::string::npos);  // one line, ESC dropped

  auto records = repo.history("t");
  REQUIRE(records.size() == 2);
  std::string key = records[1].value("key", "");
  REQUIRE_FALSE(key.empty());
  Outcome shown = on_terminal(repo, "show " + key);
  INFO(shown.out);
  CHECK(shown.out.find("\x1b[2J") == std::string::npos);
  CHECK(shown.out.find("hypothesis: score ^[[2Jbecomes 93") != std::string::npos);
  // Into a pipe the bytes stay as they are: a script reading them gets what the agent wrote.
  Outcome piped = repo.anneal("show " + key);
  CHECK(piped.out.find("score \x1b[2Jbecomes 93") != std::string::npos);
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("a stage that repeats its command shows which repeat runs", "[system][terminal]") {
  TempRepo repo;
  set_up(repo);
  repo.write("Annealfile", R"(annealfile: 1
agents:
  bot: {kind: command, run: "sh agent.sh", timeout: 30s}
targets:
  t:
    artifact: [score.txt]
    agent: bot
    stages:
      - {name: slow, run: "sleep 0.8; cat score.txt", repeat: 3}
    objective: {metric: slow, direction: minimize}
    search: {strategy: greedy, seed: 1}
    budget: {experiments: 1}
)");
  repo.commit("three repeats");
  Outcome build = on_terminal(repo, "build");
  INFO(build.out);
  REQUIRE(build.status == 0);
  for (int step : {1, 2, 3})
    CHECK(std::regex_search(build.out, std::regex(fmt::format(R"(\r\[0/1\] t #0 \(0/1\) stage slow t#0\.0 \({}/3\) [0-9]+\.[0-9] s)", step))));
  CHECK(build.out.find("[1/1] t #1 \x1b[32mkept\x1b[0m 93") != std::string::npos);
}
