// `deploy:` in the Annealfile: the tiers it reads, and each mistake with the message a user sees.
#include <string>

#include <catch2/catch.hpp>

#include "graph/annealfile.h"

using namespace anneal::graph;

namespace {

std::string with_tiers(const std::string& tiers) {
  return R"yaml(annealfile: 1
targets:
  t:
    artifact: [score.txt]
    agent: {kind: tune, params: [{file: score.txt, pattern: "([0-9]+)", min: 1, max: 9}]}
    stages: [{name: score, run: "cat score.txt"}]
    objective: {metric: score, direction: minimize}
    deploy:
)yaml" + tiers;
}

std::string error_of(const std::string& text) {
  auto parsed = parse_annealfile(text, "Annealfile");
  REQUIRE_FALSE(parsed);
  return parsed.error().message;
}

}  // namespace

TEST_CASE("deploy tiers are read in order, and change no target's digest", "[annealfile][deploy]") {
  auto parsed = parse_annealfile(with_tiers("      - {name: staging, run: ./push.sh staging}\n"
                                            "      - {name: prod, run: ./push.sh prod, approve: true, timeout: 20m, "
                                            "pass_env: [DEPLOY_TOKEN]}\n"),
                                 "Annealfile");
  REQUIRE(parsed);
  const Target& t = parsed->targets.at(0);
  REQUIRE(t.deploy.size() == 2);
  CHECK(t.deploy[0].name == "staging");
  CHECK(t.deploy[0].run == "./push.sh staging");
  CHECK_FALSE(t.deploy[0].approve);
  CHECK(t.deploy[0].timeout_s == 600);
  CHECK(t.deploy[1].approve);
  CHECK(t.deploy[1].timeout_s == 1200);
  CHECK(t.deploy[1].pass_env == std::vector<std::string>{"DEPLOY_TOKEN"});
  CHECK(t.deploy[1].loc.line == 10);
  auto without = parse_annealfile(with_tiers("      []\n"), "Annealfile");
  REQUIRE(without);
  CHECK(without->targets.at(0).deploy.empty());
  CHECK(without->targets.at(0).config == t.config);
}

TEST_CASE("a bad deploy tier is an error at its line and column", "[annealfile][deploy]") {
  SECTION("a name used twice") {
    CHECK(error_of(with_tiers("      - {name: prod, run: a}\n      - {name: prod, run: b, approve: true}\n")) ==
          "Annealfile:10:16: error: deploy tier 'prod' is named twice (first at line 9); tier names are unique "
          "within a target");
  }
  SECTION("a name --tier cannot take") {
    CHECK(error_of(with_tiers("      - {name: \"pro d\", run: a}\n")) ==
          "Annealfile:9:16: error: a deploy tier's name is letters, digits, '-', '_' and '.' (it is what `anneal "
          "approve --tier NAME` takes), not 'pro d'");
  }
  SECTION("an empty command") {
    CHECK(error_of(with_tiers("      - {name: prod, run: \" \"}\n")) ==
          "Annealfile:9:27: error: deploy tier 'prod' has an empty `run:`: give the command that deploys the "
          "candidate (it runs in a worktree of the candidate)");
  }
  SECTION("no command") {
    CHECK(error_of(with_tiers("      - {name: prod, approve: true}\n")) ==
          "Annealfile:9:9: error: missing required field 'run' in deploy tier 'prod' of target 't'");
  }
  SECTION("approve is a boolean") {
    CHECK(error_of(with_tiers("      - {name: prod, run: a, approve: yes}\n")) ==
          "Annealfile:9:39: error: 'approve' must be true or false");
  }
  SECTION("an unknown field") {
    CHECK(error_of(with_tiers("      - {name: prod, run: a, aprove: true}\n")) ==
          "Annealfile:9:30: error: unknown field 'aprove' in deploy tier 'prod' of target 't' (did you mean "
          "'approve'?)");
  }
  SECTION("a bad timeout") {
    CHECK(error_of(with_tiers("      - {name: prod, run: a, timeout: soon}\n")) ==
          "Annealfile:9:39: error: invalid duration 'soon' for 'timeout': write seconds, or a number with s, m or h "
          "(90, 90s, 2m, 1.5h)");
  }
}
