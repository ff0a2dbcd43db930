#include "graph/deploy_record.h"

#include <catch2/catch.hpp>

using namespace anneal::graph;
using nlohmann::json;

namespace {

json step(int experiment, const std::string& tier, const std::string& what, json extra = json::object()) {
  json r = {{"record", "deploy"}, {"experiment", experiment}, {"key", "k" + std::to_string(experiment)},
            {"commit", "c" + std::to_string(experiment)}, {"tier", tier}, {"step", what}, {"time", "T"}};
  r.update(extra);
  return r;
}

}  // namespace

TEST_CASE("a candidate's deployment stands where its last step left it", "[graph][deploy]") {
  std::vector<json> records = {
      step(1, "staging", "ran", {{"score", 90}}),
      step(1, "prod", "waiting"),
      step(2, "staging", "failed", {{"detail", "exit status 3"}}),
      step(1, "prod", "approved", {{"by", "Ada <ada@example.com>"}}),
      step(1, "prod", "ran"),
      step(3, "staging", "ran"),
      step(3, "prod", "waiting"),
      step(3, "prod", "rejected", {{"by", "Bob <bob@example.com>"}}),
  };
  std::vector<Deployment> all = deployments(records);
  REQUIRE(all.size() == 3);
  CHECK(all[0].commit == "c1");
  CHECK(all[0].step == "ran");
  CHECK(all[0].deployed == std::vector<std::string>{"staging", "prod"});
  CHECK(all[0].approved_for("prod"));
  CHECK(all[0].by == "Ada <ada@example.com>");
  CHECK(all[0].score == 90);
  CHECK_FALSE(all[0].waiting());
  CHECK(all[1].step == "failed");
  CHECK(all[1].detail == "exit status 3");
  CHECK(all[1].deployed.empty());
  CHECK(all[2].step == "rejected");
  CHECK_FALSE(all[2].approved_for("prod"));
  CHECK(all[2].by == "Bob <bob@example.com>");
  CHECK(find_deployment(all, "c2") == &all[1]);
  CHECK(find_deployment(all, "c9") == nullptr);
  CHECK(candidate_name(all[0]) == "#1 (k1)");

  json written = deploy_step(all[0], "prod", "waiting");
  CHECK(written["record"] == "deploy");
  CHECK(written["commit"] == "c1");
  CHECK(written["score"] == 90);
  CHECK(written["step"] == "waiting");
}
