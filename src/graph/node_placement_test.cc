#include "graph/node_placement.h"

#include <algorithm>

#include <catch2/catch.hpp>

using namespace anneal;
using namespace anneal::graph;

namespace {

const char* k_file = R"(annealfile: 1
executor: {kind: slurm, partition: gpu, options: ["--account=lab"]}
targets:
  t:
    artifact: [a.txt]
    agent: {kind: command, run: "true", timeout: 90s, executor: local}
    verify: [{name: lint, run: "true"}]
    stages:
      - {name: fast, run: "true", executor: local}
      - {name: bench, run: "true", parse: "cat", repeat: 3, timeout: 2m, exclusive: true,
         resources: {cpus: 4, memory: 8G, gpus: "a100:1"}}
      - {name: long, run: "true", resources: {time: 2h}}
    objective: {metric: bench, direction: minimize}
)";

PlannedNode planned(const std::string& kind, const std::string& name, const std::string& where = "t#3.1") {
  PlannedNode n;
  nlohmann::json spec = {{"kind", kind}, {"target", "t"}};
  if (!name.empty())
    spec["name"] = name;
  n.spec = nodes::make_spec(spec);
  n.description = kind == "mutate" ? "mutate " + where : kind + " " + name + " " + where;
  return n;
}

bool has(const NodePlacement& p, const std::string& arg) {
  return std::find(p.srun_args.begin(), p.srun_args.end(), arg) != p.srun_args.end();
}

}  // namespace

TEST_CASE("each command runs where its executor says, with its resources as srun flags", "[graph][slurm]") {
  auto file = parse_annealfile(k_file, "Annealfile");
  REQUIRE(file);
  SECTION("the Annealfile's executor, unless a command says local") {
    NodePlacement lint = place_node(*file, planned("verify", "lint"), ExecutorOverride::None);
    CHECK(lint.slurm);
    CHECK(lint.srun_args == std::vector<std::string>{"--job-name=anneal:t#3:lint.1", "--partition=gpu", "--account=lab"});
    CHECK_FALSE(place_node(*file, planned("stage", "fast"), ExecutorOverride::None).slurm);
    CHECK_FALSE(place_node(*file, planned("mutate", ""), ExecutorOverride::None).slurm);
  }
  SECTION("resources, exclusive and the timeout become srun flags") {
    NodePlacement bench = place_node(*file, planned("stage", "bench"), ExecutorOverride::None);
    CHECK(has(bench, "--cpus-per-task=4"));
    CHECK(has(bench, "--mem=8G"));
    CHECK(has(bench, "--gpus=a100:1"));
    CHECK(has(bench, "--exclusive"));
    // 3 repeats of run and parse, 2 minutes each, and a minute more: anneal's limit ends it first.
    CHECK(has(bench, "--time=13"));
    CHECK(has(place_node(*file, planned("stage", "long"), ExecutorOverride::None), "--time=120"));
  }
  SECTION("--executor overrides every command's") {
    CHECK(place_node(*file, planned("stage", "fast"), ExecutorOverride::Slurm).slurm);
    CHECK(place_node(*file, planned("mutate", ""), ExecutorOverride::Slurm).srun_args.front() ==
          "--job-name=anneal:t#3:agent.1");
    CHECK_FALSE(place_node(*file, planned("verify", "lint"), ExecutorOverride::Local).slurm);
  }
  SECTION("LLM calls, judges and decisions stay on this machine") {
    CHECK_FALSE(place_node(*file, planned("llm", ""), ExecutorOverride::Slurm).slurm);
    CHECK_FALSE(place_node(*file, planned("judge", ""), ExecutorOverride::Slurm).slurm);
  }
}

TEST_CASE("where a node runs is not part of any key", "[graph][slurm]") {
  auto with = parse_annealfile(k_file, "Annealfile");
  std::string plain = k_file;
  for (const std::string cut : {"executor: {kind: slurm, partition: gpu, options: [\"--account=lab\"]}\n", ", executor: local",
                                ",\n         resources: {cpus: 4, memory: 8G, gpus: \"a100:1\"}", ", resources: {time: 2h}"}) {
    size_t at = plain.find(cut);
    REQUIRE(at != std::string::npos);
    plain.erase(at, cut.size());
  }
  auto without = parse_annealfile(plain, "Annealfile");
  REQUIRE(with);
  REQUIRE(without);
  CHECK(with->targets[0].config == without->targets[0].config);
}
