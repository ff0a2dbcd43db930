// The Slurm executor (issue 17) on a real one-machine cluster (slurm_cluster.h): the same
// results as the local executor, nodes in parallel across the cluster's slots, cancellation
// that leaves nothing in the queue, and jobs the scheduler ended run again.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <fstream>
#include <string>

#include <fmt/format.h>

#include "harness.h"
#include "slurm_cluster.h"

using namespace anneal::system_test;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// A target whose agent writes a seeded number, checked by a gate and scored by a stage
/// that repeats; every command notes where it ran (the Slurm job's name, or "local") in
/// $ANNEAL_TEST_WHERE.
std::string annealfile(const std::string& top, int drafts) {
  return fmt::format(R"(annealfile: 1
{}
targets:
  t:
    artifact: [score.txt]
    agent: {{kind: command, run: "echo ${{SLURM_JOB_NAME:-local}} >> $ANNEAL_TEST_WHERE; echo $(( (ANNEAL_SEED % 97) + ANNEAL_EXPERIMENT )) > score.txt"}}
    drafts: {}
    verify: [{{name: nonempty, run: "echo ${{SLURM_JOB_NAME:-local}} >> $ANNEAL_TEST_WHERE; test -s score.txt"}}]
    stages:
      - {{name: score, run: "echo ${{SLURM_JOB_NAME:-local}} >> $ANNEAL_TEST_WHERE; cat score.txt", repeat: 2, timeout: 30s}}
    objective: {{metric: score, direction: minimize}}
    search: {{seed: 7}}
    budget: {{experiments: 3}}
)",
                     top, drafts);
}

/// The ledger without what differs from one run to the next: timings, and the commits
/// (whose dates differ).
nlohmann::json comparable(nlohmann::json history) {
  for (auto& record : history) {
    for (const char* field : {"duration_s", "time", "started", "commit", "parent", "seq", "prev", "chain"})
      record.erase(field);
    record.erase("state");
  }
  return history;
}

std::string lines_of(const std::filesystem::path& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("the same Annealfile and seed give the same ledger on Slurm as locally", "[system][slurm]") {
  SlurmCluster& cluster = SlurmCluster::shared();
  TempRepo local, slurm;
  local.write("score.txt", "150\n");
  local.write("Annealfile", annealfile("executor: {kind: slurm, partition: debug}", 2));
  local.commit("project");
  // The same commit in both, so that every key is the same.
  REQUIRE(slurm.run("git fetch -q " + local.path().string() + " main && git reset -q --hard FETCH_HEAD").status == 0);
  ::setenv("ANNEAL_TEST_WHERE", (local.scratch() / "where").c_str(), 1);
  Outcome here = local.anneal("build --executor local");
  INFO(here.out << here.err);
  REQUIRE(here.status == 0);
  ::setenv("ANNEAL_TEST_WHERE", (slurm.scratch() / "where").c_str(), 1);
  Outcome there = slurm.anneal("build");
  ::unsetenv("ANNEAL_TEST_WHERE");
  INFO(there.out << there.err);
  REQUIRE(there.status == 0);

  nlohmann::json a = comparable(local.history("t")), b = comparable(slurm.history("t"));
  REQUIRE(a.size() == 4);
  CHECK(a.dump(2) == b.dump(2));
  // Locally nothing ran under Slurm; on Slurm every agent, gate and stage did, as a job
  // named after what it is.
  std::string where_local = lines_of(local.scratch() / "where");
  std::string where_slurm = lines_of(slurm.scratch() / "where");
  CHECK_FALSE(contains(where_local, "anneal:"));
  CHECK_FALSE(contains(where_slurm, "local"));
  CHECK(contains(where_slurm, "anneal:t#1:agent.0\n"));
  CHECK(contains(where_slurm, "anneal:t#1:agent.1\n"));
  CHECK(contains(where_slurm, "anneal:t#2:nonempty.1\n"));
  // A stage's repeats are one job: the node, not each command.
  size_t first = where_slurm.find("anneal:t#3:score.0\n");
  REQUIRE(first != std::string::npos);
  CHECK(where_slurm.find("anneal:t#3:score.0\n", first + 1) != std::string::npos);
  CHECK(count_lines(local.scratch() / "where") == count_lines(slurm.scratch() / "where"));
  CHECK(cluster.anneal_jobs().empty());
  CHECK(local.fsck_problems().empty());
  CHECK(slurm.fsck_problems().empty());
}
