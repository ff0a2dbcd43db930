// Every node that dies of a signal is reported with the signal and its log (issue 12): a user's
// command killed by one, and `anneal node` itself killed by one.
#include <catch2/catch.hpp>

#include <string>

#include <fmt/format.h>

#include "harness.h"

using namespace anneal::system_test;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// A target whose experiment N scores N, and whose stage runs `crash` on experiment 2.
void write_project(const TempRepo& repo, const std::string& stage_fields, const std::string& crash) {
  repo.write("score.txt", "150\n");
  repo.write("Annealfile", fmt::format(R"(annealfile: 1
targets:
  t:
    artifact: [score.txt]
    agent: {{kind: command, run: "echo $ANNEAL_EXPERIMENT > score.txt"}}
    stages: [{{name: score, {}run: "if [ $(cat score.txt) = 2 ]; then {}; fi; cat score.txt"}}]
    objective: {{metric: score, direction: minimize}}
    budget: {{experiments: 3}}
)",
                                       stage_fields, crash));
  repo.commit("project");
}

/// The key after "anneal show " in `text`, or "".
std::string shown_key(const std::string& text) {
  size_t at = text.find("anneal show ");
  if (at == std::string::npos)
    return "";
  at += 12;
  size_t end = text.find_first_not_of("0123456789abcdef", at);
  return text.substr(at, end - at);
}

}  // namespace

TEST_CASE("a stage killed by a signal names the signal and its log on the experiment's line", "[system][signal]") {
  TempRepo repo;
  write_project(repo, "", "kill -SEGV $$");
  Outcome build = repo.anneal("build");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);
  std::string line = build.out.substr(build.out.find("t #2 "));
  line = line.substr(0, line.find('\n'));
  CHECK(contains(line, "stage score: killed by signal 11 (Segmentation fault)"));
  std::string key = shown_key(line);
  REQUIRE(key.size() == 16);

  Outcome show = repo.anneal("show " + key);
  INFO(show.out << show.err);
  CHECK(show.status == 0);
  CHECK(contains(show.out, "node " + key));
  CHECK(contains(show.out, "detail: stage score: killed by signal 11 (Segmentation fault)"));
  nlohmann::json history = repo.history("t");
  REQUIRE(history.size() == 4);
  // The recorded reason names the signal.
  CHECK(contains(history[2]["detail"].get<std::string>(), "killed by signal 11 (Segmentation fault)"));
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("a node process killed by a signal is named with the signal, and `anneal show` has its death",
          "[system][signal]") {
  TempRepo repo;
  // Unsandboxed, the stage's shell is a child of `anneal node`: it kills the node itself.
  // SIGKILL, not SIGSEGV: AddressSanitizer's handler would turn a SEGV into an abort.
  write_project(repo, "sandbox: off, ", "kill -KILL $PPID; sleep 5");
  Outcome build = repo.anneal("build");
  INFO(build.out << build.err);
  CHECK(build.status == 1);
  std::string key = shown_key(build.err);
  REQUIRE(key.size() == 16);
  CHECK(contains(build.err, fmt::format("node {} (stage score t#2.0) was killed by signal 9 (Killed); "
                                        "its log: anneal show {}",
                                        key, key)));
  CHECK(!contains(build.err, "a node failed"));

  Outcome show = repo.anneal("show " + key);
  INFO(show.out << show.err);
  CHECK(show.status == 0);
  CHECK(contains(show.out, "died: killed by signal 9 (Killed)"));

  // Nothing was stored for it: once the stage is fixed the node runs, and `show` has its result.
  write_project(repo, "sandbox: off, ", "true");
  Outcome fixed = repo.anneal("build");
  INFO(fixed.out << fixed.err);
  CHECK(fixed.status == 0);
  CHECK(repo.history("t").size() == 4);
  CHECK(repo.fsck_problems().empty());
}
