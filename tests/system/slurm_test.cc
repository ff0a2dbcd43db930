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

namespace {

/// A target of one experiment whose stage runs `stage` (then prints 1), with two drafts.
void write_waiting_project(const TempRepo& repo, const std::string& stage, int drafts = 1,
                           const std::string& top = "executor: slurm") {
  repo.write("score.txt", "150\n");
  repo.write("Annealfile", with_scratch(fmt::format(R"(annealfile: 1
{}
targets:
  t:
    artifact: [score.txt]
    agent: {{kind: command, run: "echo $ANNEAL_EXPERIMENT$ANNEAL_DRAFT > score.txt"}}
    drafts: {}
    stages: [{{name: score, run: "if [ $ANNEAL_TARGET = t ] && [ $(cat score.txt) != 150 ]; then {}; fi; cat score.txt"}}]
    objective: {{metric: score, direction: minimize}}
    budget: {{experiments: 1}}
)",
                                                  top, drafts, stage),
                                      repo));
  repo.commit("project");
}

/// Starts `anneal build ARGS` in the background; its pid is in SCRATCH/build.pid.
void start_build(const TempRepo& repo, const std::string& args) {
  Outcome started = repo.run(fmt::format("({} build {} >{}/build.out 2>&1 & echo $! >{}/build.pid)",
                                         anneal_binary(), args, repo.scratch().string(), repo.scratch().string()));
  REQUIRE(started.status == 0);
}

long build_pid(const TempRepo& repo) {
  std::ifstream in(repo.scratch() / "build.pid");
  long pid = 0;
  in >> pid;
  return pid;
}

/// Waits for the background build to end.
void wait_build(const TempRepo& repo) {
  repo.run(fmt::format("while kill -0 {} 2>/dev/null; do sleep 0.05; done", build_pid(repo)));
}

}  // namespace

TEST_CASE("independent nodes run in parallel across the partition's slots, ninja -j from sinfo", "[system][slurm]") {
  SlurmCluster& cluster = SlurmCluster::shared();
  TempRepo repo;
  // Each draft's stage notes when it starts and when it ends: in parallel, both start before
  // either ends. No -j: the build asks sinfo (2 idle CPUs on this cluster's node).
  write_waiting_project(repo, "echo start >> SCRATCH/log; sleep 2; echo end >> SCRATCH/log", 2);
  Outcome build = repo.anneal("build");
  INFO(build.out << build.err);
  REQUIRE(build.status == 0);
  std::string log = lines_of(repo.scratch() / "log");
  CHECK(log == "start\nstart\nend\nend\n");
  CHECK(cluster.anneal_jobs().empty());
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("an interrupted build cancels its jobs: nothing is left in the queue", "[system][slurm]") {
  SlurmCluster& cluster = SlurmCluster::shared();
  TempRepo repo;
  // Two drafts, whose stages both run (two slots) when the build is interrupted.
  write_waiting_project(repo, "sleep 60", 2);
  start_build(repo, "");
  REQUIRE(cluster.wait_for_running("anneal:t#1:score.0", 30) > 0);
  REQUIRE(cluster.wait_for_running("anneal:t#1:score.1", 30) > 0);
  REQUIRE(repo.run(fmt::format("kill -INT {}", build_pid(repo))).status == 0);
  wait_build(repo);
  std::string out = lines_of(repo.scratch() / "build.out");
  INFO(out);
  CHECK(contains(out, "interrupted"));
  CHECK(cluster.wait_for_empty_queue(20));
  INFO(cluster.queue());
  CHECK(cluster.anneal_jobs().empty());
  // Nothing is recorded for the jobs any more, and the next build finds nothing to cancel.
  CHECK(repo.run("ls .anneal/slurm/jobs | wc -l").out == "0\n");
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("anneal stop --now stops the build now and cancels its jobs, and the next build runs the experiment again",
          "[system][slurm]") {
  SlurmCluster& cluster = SlurmCluster::shared();
  TempRepo repo;
  write_waiting_project(repo, "[ -e SCRATCH/again ] || sleep 60");
  start_build(repo, "");
  long job = cluster.wait_for_running("anneal:t#1:score.0", 30);
  REQUIRE(job > 0);
  Outcome stop = repo.anneal("stop --now t");
  INFO(stop.out << stop.err);
  CHECK(stop.status == 0);
  CHECK(contains(stop.out, "t: interrupted the build (pid "));
  wait_build(repo);
  CHECK(cluster.wait_for_empty_queue(20));
  INFO(cluster.queue());
  CHECK(cluster.anneal_jobs().empty());
  CHECK(repo.history("t").size() == 1);  // the baseline: experiment 1 did not finish

  REQUIRE(repo.run("touch " + (repo.scratch() / "again").string()).status == 0);
  Outcome again = repo.anneal("build");
  INFO(again.out << again.err);
  CHECK(again.status == 0);
  CHECK(repo.history("t").size() == 2);
  CHECK(repo.anneal("stop --now t").out == "t: no build is running\n");
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("the jobs of a build killed with -9 are cancelled by the next build before it starts", "[system][slurm]") {
  SlurmCluster& cluster = SlurmCluster::shared();
  TempRepo repo;
  // A job of the test's own fills the node, so the build's job waits in the queue; then the
  // build and its `anneal node` processes are killed with -9: nobody is left to cancel it.
  Outcome blocker = repo.run("(srun --exclusive --job-name=blocker sleep 120 >/dev/null 2>&1 &)");
  REQUIRE(blocker.status == 0);
  REQUIRE(cluster.wait_for_running("blocker", 30) > 0);
  write_waiting_project(repo, "[ -e SCRATCH/go ] || sleep 60");
  start_build(repo, "");
  // The job's record appears once srun has named it (queued).
  Outcome recorded = repo.run("for i in $(seq 300); do ls .anneal/slurm/jobs/* >/dev/null 2>&1 && break; sleep 0.1; done; "
                              "cat .anneal/slurm/jobs/*");
  REQUIRE(recorded.status == 0);
  REQUIRE(contains(recorded.out, "pid "));
  std::vector<long> queued = cluster.anneal_jobs();
  REQUIRE(queued.size() == 1);
  // The build, then the `anneal node` that started srun (its pid is in the record).
  std::string node_pid = recorded.out.substr(recorded.out.find("pid ") + 4);
  node_pid = node_pid.substr(0, node_pid.find('\n'));
  REQUIRE(repo.run(fmt::format("kill -9 {} {}", build_pid(repo), node_pid)).status == 0);
  wait_build(repo);
  // srun died with its `anneal node`; the job it asked for still waits.
  CHECK(cluster.anneal_jobs() == queued);

  REQUIRE(repo.run("touch " + (repo.scratch() / "go").string()).status == 0);
  Outcome next = repo.anneal("build --executor local");
  INFO(next.out << next.err);
  CHECK(next.status == 0);
  CHECK(contains(next.out + next.err, fmt::format("cancelled 1 Slurm job left by a build that was killed: {}", queued[0])));
  CHECK(cluster.wait_for_empty_queue(20));
  INFO(cluster.queue());
  repo.run("scancel --name=blocker");
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("a node whose job the scheduler ended is crashed, with Slurm's reason, and the next build runs it again",
          "[system][slurm]") {
  SlurmCluster& cluster = SlurmCluster::shared();
  TempRepo repo;
  // The stage waits for the test the first time; the test cancels its job step (as a
  // preemption or an administrator would); the next time it goes through.
  write_waiting_project(repo, "touch SCRATCH/waiting; [ -e SCRATCH/cancelled ] || sleep 60");
  start_build(repo, "");
  long job = cluster.wait_for_running("anneal:t#1:score.0", 30);
  REQUIRE(job > 0);
  // A running job is not yet a running command: cancelled before the stage looks, the stage
  // would see the file and go through.
  REQUIRE(repo.run(fmt::format("for i in $(seq 600); do [ -e {}/waiting ] && exit 0; sleep 0.05; done; exit 1",
                               repo.scratch().string()))
              .status == 0);
  REQUIRE(repo.run(fmt::format("touch {}/cancelled && scancel {}.0", repo.scratch().string(), job)).status == 0);
  wait_build(repo);
  std::string out = lines_of(repo.scratch() / "build.out");
  INFO(out);
  CHECK(contains(out, "t #1 crashed"));
  CHECK(contains(out, "did not finish: the next build runs it again"));
  nlohmann::json history = repo.history("t");
  REQUIRE(history.size() == 2);
  CHECK(history[1]["outcome"] == "crashed");
  std::string detail = history[1].value("detail", "");
  CHECK(contains(detail, fmt::format("slurm: job {} (anneal:t#1:score.0) was ended by the scheduler", job)));
  CHECK(contains(detail, "CANCELLED"));
  CHECK(cluster.wait_for_empty_queue(20));

  Outcome again = repo.anneal("build");
  INFO(again.out << again.err);
  CHECK(again.status == 0);
  history = repo.history("t");
  REQUIRE(history.size() == 2);
  CHECK(history[1]["outcome"] == "kept");
  CHECK(history[1].value("attempts", 0) == 2);
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("srun takes to the compute node only the secrets the node's commands are given (pass_env)", "[system][slurm]") {
  SlurmCluster::shared();
  TempRepo repo;
  repo.write("score.txt", "150\n");
  // The stage finds the `anneal node` processes above it (the job step's, on the compute
  // node) and keeps their environment; it runs unsandboxed so that it can read /proc.
  repo.write("dump.sh", with_scratch(R"(p=$$
while [ "$p" -gt 1 ]; do
  tr '\0' ' ' </proc/$p/cmdline >>SCRATCH/ancestors; echo >>SCRATCH/ancestors
  if tr '\0' ' ' </proc/$p/cmdline | grep -q 'anneal node [0-9a-f]'; then tr '\0' '\n' </proc/$p/environ >>SCRATCH/step-env; fi
  p=$(awk '/^PPid:/ {print $2}' /proc/$p/status)
done
cat score.txt
)",
                                     repo));
  repo.write("Annealfile", R"(annealfile: 1
executor: slurm
targets:
  t:
    artifact: [score.txt]
    agent: {kind: command, run: "echo 93 > score.txt"}
    stages:
      - {name: score, run: "sh dump.sh", sandbox: off, pass_env: [ANNEAL_TEST_PASSED_TOKEN]}
    objective: {metric: score, direction: minimize}
    budget: {experiments: 1}
)");
  repo.commit("project");
  ::setenv("ANNEAL_TEST_PASSED_TOKEN", "passed-value-0123456789", 1);
  ::setenv("ANNEAL_TEST_WITHHELD_TOKEN", "withheld-value-0123456789", 1);
  Outcome built = repo.anneal("build");
  ::unsetenv("ANNEAL_TEST_PASSED_TOKEN");
  ::unsetenv("ANNEAL_TEST_WITHHELD_TOKEN");
  INFO(built.out << built.err);
  REQUIRE(built.status == 0);
  std::string env = lines_of(repo.scratch() / "step-env");
  INFO(lines_of(repo.scratch() / "ancestors"));
  INFO(env);
  REQUIRE(contains(env, "SLURM_JOB_NAME=anneal:t#"));  // it did run in a job step
  CHECK(contains(env, "ANNEAL_TEST_PASSED_TOKEN=passed-value-0123456789\n"));
  CHECK_FALSE(contains(env, "withheld-value"));
  CHECK(repo.fsck_problems().empty());
}
