// `anneal diff A B` and `anneal graph TARGET`: two experiments side by side, and the candidate
// tree as Graphviz dot with labels a user can read.
#include <catch2/catch.hpp>

#include <string>

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
