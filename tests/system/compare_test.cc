// `anneal diff A B` and `anneal graph TARGET`: two experiments side by side, and the candidate
// tree (or one experiment's nodes) as Graphviz dot with labels a user can read.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "harness.h"

using namespace anneal::system_test;

namespace {

/// Target `t`: experiment N sets score.txt to 100 - 10 N (each kept: lower is better) and
/// reports it in its hypothesis; stages `size` and `score`.
void set_up(const TempRepo& repo) {
  repo.write("score.txt", "100\n");
  repo.write("Annealfile", R"(annealfile: 1
targets:
  t:
    artifact: [score.txt]
    agent: {kind: command, run: "echo $((100 - 10 * ANNEAL_EXPERIMENT)) > score.txt; echo score to $((100 - 10 * ANNEAL_EXPERIMENT)) > \"$ANNEAL_HYPOTHESIS_FILE\""}
    stages:
      - {name: size, run: "wc -c < score.txt"}
      - {name: score, run: "cat score.txt"}
    objective: {metric: score, direction: minimize}
    budget: {experiments: 2}
)");
  repo.commit("project");
}

}  // namespace

TEST_CASE("diff shows two experiments' outcomes, metrics and code diff", "[system][compare]") {
  TempRepo repo;
  set_up(repo);
  REQUIRE(repo.anneal("build").status == 0);
  Outcome diff = repo.anneal("diff t#0 t#2");
  INFO(diff.out << diff.err);
  REQUIRE(diff.status == 0);
  CHECK_THAT(diff.out, Catch::Matches(R"((.|\n)*outcome +baseline +kept\n(.|\n)*)"));
  CHECK_THAT(diff.out, Catch::Matches(R"((.|\n)*\n  score +100 +80\n(.|\n)*)"));
  CHECK_THAT(diff.out, Catch::Matches(R"((.|\n)*\n  size +4 +3\n(.|\n)*)"));
  CHECK_THAT(diff.out, Catch::Contains("t#2: score to 80"));
  CHECK_THAT(diff.out, Catch::Contains("--- a/score.txt") && Catch::Contains("-100\n+80\n"));
  Outcome bad = repo.anneal("diff t#0 t#7");
  CHECK(bad.status == 1);
  CHECK_THAT(bad.err, Catch::Contains("no experiment #7"));
}

TEST_CASE("graph prints the candidate tree as dot, labelled by experiment, outcome and score", "[system][compare]") {
  TempRepo repo;
  set_up(repo);
  REQUIRE(repo.anneal("build").status == 0);
  Outcome graph = repo.anneal("graph t");
  INFO(graph.out << graph.err);
  REQUIRE(graph.status == 0);
  CHECK_THAT(graph.out, Catch::StartsWith("digraph \"t\" {"));
  CHECK_THAT(graph.out, Catch::Contains("e0 [label=\"#0 baseline\\n100\""));
  CHECK_THAT(graph.out, Catch::Contains("e1 [label=\"#1 kept\\n90\\nscore to 90\""));
  CHECK_THAT(graph.out, Catch::Contains("e2 [label=\"#2 kept\\n80\\nscore to 80\", color=darkgreen, penwidth=3]"));
  CHECK_THAT(graph.out, Catch::Contains("e0 -> e1;") && Catch::Contains("e1 -> e2;"));
  CHECK_THAT(graph.out, Catch::EndsWith("}\n"));
  CHECK(repo.anneal("graph nope").status == 1);
}

TEST_CASE("diff shows both candidates' tune parameters", "[system][compare]") {
  TempRepo repo;
  REQUIRE(repo.run("cp -r " ANNEAL_SOURCE_DIR "/examples/tune-service/. .").status == 0);
  repo.commit("example");
  REQUIRE(repo.anneal("build --experiments 2").status == 0);
  std::string commit = repo.history("latency")[2]["commit"].get<std::string>();
  std::string threads = repo.run("git show " + commit + ":service.ini | sed -n 's/^threads = //p'").out;
  threads.pop_back();
  Outcome diff = repo.anneal("diff latency#0 latency#2");
  INFO(diff.out << diff.err);
  REQUIRE(diff.status == 0);
  CHECK_THAT(diff.out, Catch::Matches(R"((.|\n)*\nparameters\n  threads +2 +)" + threads + R"(\n  batch_size +8 +[0-9]+\n  cache_ratio +0\.1 +[0-9.e-]+\n(.|\n)*)"));
  CHECK_THAT(diff.out, Catch::Matches(R"((.|\n)*\nmetrics\n  p50 +[0-9.]+ +[0-9.]+\n(.|\n)*)"));
  CHECK_THAT(diff.out, Catch::Contains("--- a/service.ini"));
}

TEST_CASE("graph --experiment N prints the nodes it ran, labelled, with what each waited for", "[system][compare]") {
  TempRepo repo;
  set_up(repo);
  REQUIRE(repo.anneal("build").status == 0);
  Outcome graph = repo.anneal("graph t --experiment 2");
  INFO(graph.out << graph.err);
  REQUIRE(graph.status == 0);
  CHECK_THAT(graph.out, Catch::StartsWith("digraph \"t#2\" {\n"));
  CHECK_THAT(graph.out, Catch::EndsWith("}\n"));
  // Every line is a node with a readable label or an edge between two of them.
  std::map<std::string, std::string> ids;  // label's first line -> node id
  std::vector<std::pair<std::string, std::string>> edges;
  std::istringstream in(graph.out);
  std::regex node(R"re(  (n[0-9a-f]{16}) \[label="([^"\\]*)\\n([^"]*)", color=\w+, tooltip="anneal show [0-9a-f]{16}"\];)re");
  std::regex edge(R"(  (n[0-9a-f]{16}) -> (n[0-9a-f]{16});)");
  std::map<std::string, std::string> rest;
  int lines = 0;
  for (std::string line; std::getline(in, line); ++lines) {
    std::smatch m;
    if (std::regex_match(line, m, node)) {
      ids[m[2]] = m[1];
      rest[m[2]] = m[3];
    } else if (std::regex_match(line, m, edge)) {
      edges.push_back({m[1], m[2]});
    } else {
      CHECK((line.starts_with("digraph") || line == "  rankdir=LR;" || line.starts_with("  node [") || line == "}"));
    }
  }
  REQUIRE(ids.size() == 4);
  CHECK_THAT(rest["mutate"], Catch::StartsWith("t#2 draft 0\\nok, "));
  CHECK_THAT(rest["stage size"], Catch::StartsWith("t#2 draft 0\\nok 3, "));
  CHECK_THAT(rest["stage score"], Catch::StartsWith("t#2 draft 0\\nok 80, "));
  CHECK(rest["decide"] == "t#2\\nkept 80\\nscore to 80");
  // Stages run cheap first: mutate, then size, then score, then the decision.
  std::vector<std::pair<std::string, std::string>> expected = {{ids["mutate"], ids["stage size"]},
                                                               {ids["stage size"], ids["stage score"]},
                                                               {ids["stage score"], ids["decide"]}};
  std::sort(edges.begin(), edges.end());
  std::sort(expected.begin(), expected.end());
  CHECK(edges == expected);
  Outcome missing = repo.anneal("graph t --experiment 9");
  CHECK(missing.status == 1);
  CHECK_THAT(missing.err, Catch::Contains("no experiment #9"));
  CHECK(repo.anneal("graph t --experiment -1").status == 2);
  CHECK(repo.fsck_problems().empty());
}
