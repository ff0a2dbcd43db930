// The commands around `anneal build`: status, history, show, explain, clean and init (apply:
// apply_test.cc).
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <string>

#include "harness.h"

using namespace anneal::system_test;

namespace {

/// Target `t`: the agent sets score.txt to 100 - 10 * experiment (each one better than the
/// last), the stage prints the score and a line on stderr.
void set_up(const TempRepo& repo, int experiments = 3) {
  repo.write("score.txt", "100\n");
  repo.write("Annealfile", fmt::format(R"(annealfile: 1
targets:
  t:
    artifact: [score.txt]
    agent: {{kind: command, run: "echo $((100 - 10 * ANNEAL_EXPERIMENT)) > score.txt; echo lower >\"$ANNEAL_HYPOTHESIS_FILE\""}}
    stages: [{{name: score, run: "echo measuring score >&2; cat score.txt"}}]
    objective: {{metric: score, direction: minimize}}
    budget: {{experiments: {}}}
)",
                                       experiments));
  repo.commit("project");
}

nlohmann::json parsed(const Outcome& o) {
  INFO(o.out << o.err);
  REQUIRE(o.status == 0);
  REQUIRE(nlohmann::json::accept(o.out));
  return nlohmann::json::parse(o.out);
}

std::string git(const TempRepo& repo, const std::string& args) {
  Outcome o = repo.run("git " + args);
  INFO("git " << args << ": " << o.err);
  REQUIRE(o.status == 0);
  return o.out;
}

std::string head(const TempRepo& repo) {
  return git(repo, "rev-parse HEAD").substr(0, 40);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("status and history describe a finished build in JSON", "[system]") {
  TempRepo repo;
  set_up(repo);
  std::string baseline = head(repo);
  REQUIRE(repo.anneal("build").status == 0);

  auto status = parsed(repo.anneal("status --json"));
  REQUIRE(status.is_array());
  REQUIRE(status.size() == 1);
  const auto& t = status[0];
  CHECK(t["name"] == "t");
  CHECK(t["experiments"] == 3);
  CHECK(t["baseline_score"] == 100.0);
  CHECK(t["best_score"] == 70.0);
  CHECK(t["commit"] == git(repo, "rev-parse anneal/t").substr(0, 40));
  CHECK(t["spent_usd"] == 0.0);
  CHECK(t["budget"] == 3);
  CHECK(t.contains("state"));

  auto history = parsed(repo.anneal("history t --json"));
  REQUIRE(history.size() == 4);
  std::string parent;
  for (size_t i = 0; i < history.size(); ++i) {
    const auto& e = history[i];
    INFO(e.dump());
    for (const char* field :
         {"id", "key", "outcome", "score", "scores", "commit", "parent", "draft", "hypothesis", "violations",
          "detail", "decision", "cost_usd", "duration_s", "time"})
      CHECK(e.contains(field));
    CHECK(e["id"] == i);
    CHECK(e["outcome"] == (i == 0 ? "baseline" : "kept"));
    CHECK(e["score"] == 100.0 - 10.0 * static_cast<double>(i));
    CHECK(e["scores"]["score"] == e["score"]);
    CHECK(e["hypothesis"] == (i == 0 ? "" : "lower"));
    CHECK(e["decision"]["accept"] == true);
    if (i == 0)
      CHECK(e["parent"].is_null());
    else
      CHECK(e["parent"] == parent);
    parent = e["commit"].get<std::string>();
  }
  CHECK(history[0]["commit"] == baseline);

  Outcome listing = repo.anneal("history t");
  CHECK(listing.status == 0);
  CHECK(contains(listing.out, "#3"));
  CHECK(contains(listing.out, "lower"));
  CHECK(repo.status().empty());
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("show prints an experiment, a mutation with its patch and a stage with its output", "[system]") {
  TempRepo repo;
  set_up(repo);
  REQUIRE(repo.anneal("build").status == 0);
  auto second = repo.history("t")[2];
  std::string key = second["key"].get<std::string>();

  SECTION("an experiment, by a prefix of its key") {
    auto json = parsed(repo.anneal("show " + key.substr(0, 10) + " --json"));
    CHECK(json["id"] == 2);
    CHECK(json["target"] == "t");
    CHECK(json["outcome"] == "kept");
    CHECK(json["commit"] == second["commit"]);
    CHECK(json["score"] == 80.0);
    Outcome shown = repo.anneal("show " + key.substr(0, 10));
    INFO(shown.out << shown.err);
    REQUIRE(shown.status == 0);
    CHECK(contains(shown.out, "#2"));
    CHECK(contains(shown.out, "kept"));
    CHECK(contains(shown.out, second["commit"].get<std::string>()));
    CHECK(contains(shown.out, "-90\n+80\n"));
  }
  SECTION("a mutation node: its patch") {
    auto decide = parsed(repo.anneal("explain " + key + " --json"));
    std::string mutate = decide["spec"]["candidates"][0]["candidate"]["mutate"].get<std::string>();
    Outcome shown = repo.anneal("show " + mutate.substr(0, 12));
    INFO(shown.out << shown.err);
    REQUIRE(shown.status == 0);
    CHECK(contains(shown.out, "mutate t#2"));
    CHECK(contains(shown.out, second["commit"].get<std::string>()));
    CHECK(contains(shown.out, "-90\n+80\n"));
  }
  SECTION("a stage node: its stdout and stderr") {
    auto decide = parsed(repo.anneal("explain " + key + " --json"));
    std::string stage = decide["spec"]["candidates"][0]["stages"]["score"].get<std::string>();
    Outcome shown = repo.anneal("show " + stage.substr(0, 12));
    INFO(shown.out << shown.err);
    REQUIRE(shown.status == 0);
    CHECK(contains(shown.out, "stage score"));
    CHECK(contains(shown.out, "80\n"));
    CHECK(contains(shown.out, "measuring score"));
  }
  SECTION("an unknown hash") {
    Outcome shown = repo.anneal("show 0123456789abcdef");
    CHECK(shown.status == 1);
    CHECK(contains(shown.err, "0123456789abcdef"));
  }
  CHECK(repo.status().empty());
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("explain says whether a target is up to date and why not", "[system]") {
  TempRepo repo;
  set_up(repo);
  REQUIRE(repo.anneal("build").status == 0);

  Outcome done = repo.anneal("explain t");
  INFO(done.out << done.err);
  CHECK(done.status == 0);
  CHECK((contains(done.out, "up to date") || contains(done.out, "up-to-date")));
  CHECK(parsed(repo.anneal("explain t --json"))["state"] == "up-to-date");

  std::string annealfile = repo.read("Annealfile");
  annealfile.replace(annealfile.find("cat score.txt"), 13, "cat ./score.txt");
  repo.write("Annealfile", annealfile);
  Outcome changed = repo.anneal("explain t");
  INFO(changed.out << changed.err);
  CHECK(changed.status == 0);
  CHECK(contains(changed.out, "configuration changed"));
  CHECK(contains(changed.out, "(changed: stages)"));  // which part: the stage, nothing else
  CHECK(contains(changed.out, "cat ./score.txt"));
  CHECK(!contains(changed.out, "up to date"));
  auto json = parsed(repo.anneal("explain t --json"));
  CHECK(json["state"] != "up-to-date");
  CHECK(json["config_digest"] != json["recorded_digest"]);
  CHECK(repo.status() == " M Annealfile\n");
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("clean removes build files but keeps experiments, clean T forgets the target", "[system]") {
  TempRepo repo;
  set_up(repo);
  REQUIRE(repo.anneal("build").status == 0);
  REQUIRE(repo.exists(".anneal/ninja/t/build.ninja"));

  Outcome cleaned = repo.anneal("clean");
  INFO(cleaned.out << cleaned.err);
  CHECK(cleaned.status == 0);
  CHECK(!repo.exists(".anneal/ninja/t/build.ninja"));
  CHECK(!repo.exists(".anneal/worktrees"));
  CHECK(repo.history("t").size() == 4);
  Outcome after_clean = repo.anneal("build");
  CHECK(after_clean.status == 0);
  CHECK(contains(after_clean.out, "no work to do"));

  // A new commit on the user's branch: once t is forgotten, it is the new baseline.
  repo.write("score.txt", "90\n");
  std::string new_head = repo.commit("tweak");
  Outcome forgot = repo.anneal("clean t");
  INFO(forgot.out << forgot.err);
  CHECK(forgot.status == 0);
  CHECK(!repo.exists(".anneal/targets/t/experiments.jsonl"));
  CHECK(git(repo, "for-each-ref refs/anneal/t").empty());

  Outcome rebuilt = repo.anneal("build --experiments 1");
  INFO(rebuilt.out << rebuilt.err);
  REQUIRE(rebuilt.status == 0);
  auto history = repo.history("t");
  REQUIRE(history.size() == 2);
  CHECK(history[0]["commit"] == new_head);
  CHECK(history[0]["score"] == 90.0);
  CHECK(repo.status().empty());
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("init writes an Annealfile that builds, and needs a git repository", "[system]") {
  SECTION("in a repository without an Annealfile") {
    TempRepo repo;
    repo.write("README", "hello\n");
    repo.commit("first");
    Outcome init = repo.anneal("init");
    INFO(init.out << init.err);
    REQUIRE(init.status == 0);
    REQUIRE(repo.exists("Annealfile"));
    CHECK(contains(repo.read("Annealfile"), "annealfile: 1"));
    CHECK(repo.status() == "?? Annealfile\n");  // .anneal/ is ignored
    Outcome build = repo.anneal("build");
    INFO(build.out << build.err);
    CHECK(build.status == 0);
    CHECK(contains(build.out + build.err, "nothing to do"));
    CHECK(repo.fsck_problems().empty());
  }
  SECTION("its example builds once uncommented") {
    TempRepo repo;
    repo.write("config.ini", "threads = 8\n");
    repo.write("bench.sh", "#!/bin/sh\nsed -n 's/threads = //p' config.ini\n", true);
    repo.commit("first");
    REQUIRE(repo.anneal("init").status == 0);
    // What a user does with an editor: drop the "#" in front of the example's lines.
    REQUIRE(repo.run("sed -i 's/^  # /  /; /^  An example/d; /^  holds/d' Annealfile").status == 0);
    REQUIRE(contains(repo.read("Annealfile"), "\n  speed:\n    artifact: [config.ini]\n"));
    repo.commit("the example target");
    Outcome dry = repo.anneal("build -n");
    INFO(repo.read("Annealfile") << dry.out << dry.err);
    CHECK(dry.status == 0);
    CHECK(contains(dry.out, "speed"));
    Outcome build = repo.anneal("build --experiments 3");
    INFO(build.out << build.err);
    CHECK(build.status == 0);
    CHECK(repo.history("speed").size() == 4);  // the baseline and 3 experiments
    CHECK(repo.fsck_problems().empty());
  }
  SECTION("outside any git repository") {
    TempRepo repo;
    Outcome init = sh("mkdir plain && cd plain && '" + anneal_binary() + "' init", repo.scratch());
    CHECK(init.status == 1);
    CHECK(contains(init.err, "not a git repository"));
    CHECK(sh("ls -A plain", repo.scratch()).out.empty());
  }
}
