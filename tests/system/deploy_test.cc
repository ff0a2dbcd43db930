// `deploy:` end to end on real repositories: a new best is pushed to a "staging" bare
// repository as soon as it is kept; the "prod" tier waits until `anneal approve` (who: git's
// identity, in the ledger) pushes it to a "prod" bare repository, or `anneal reject` refuses
// it; `anneal status` shows what waits; `anneal apply` refuses an unapproved candidate unless
// --force; a failing tier is reported and the build goes on; a candidate is deployed once.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness.h"

using namespace anneal::system_test;

namespace {

/// Target `t`: each experiment lowers score.txt by 10 (100 → 90 → 80), so each is a new best.
/// staging pushes the candidate to SCRATCH/staging.git and logs it; prod (approve: true) pushes
/// to SCRATCH/prod.git and writes who approved it. approval_needed events go to SCRATCH/events.
const char* const k_annealfile = R"(annealfile: 1
notify:
  - {on: [approval_needed], run: "cat >> SCRATCH/events"}
targets:
  t:
    artifact: [score.txt]
    agent: {kind: command, run: "echo $((100 - 10 * ANNEAL_EXPERIMENT)) > score.txt; echo lower by ten >\"$ANNEAL_HYPOTHESIS_FILE\""}
    stages: [{name: score, run: "cat score.txt"}]
    objective: {metric: score, direction: minimize}
    budget: {experiments: 2}
    deploy:
      - name: staging
        run: "STAGING_CMD"
      - {name: prod, approve: true, run: "git push -q SCRATCH/prod.git HEAD:refs/heads/main && echo \"$ANNEAL_APPROVED_BY\" > SCRATCH/prod-by"}
)";

const char* const k_staging =
    "git push -q -f SCRATCH/staging.git HEAD:refs/heads/staging && echo $ANNEAL_TIER $ANNEAL_EXPERIMENT "
    "$(cat score.txt) $ANNEAL_COMMIT >> SCRATCH/staging.log";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

void set_up(const TempRepo& repo, const std::string& staging = k_staging) {
  repo.write("score.txt", "100\n");
  repo.write("Annealfile", with_scratch(replaced(k_annealfile, "STAGING_CMD", staging), repo));
  repo.commit("project");
  repo.run("git config user.name 'Ada User' && git config user.email ada@example.com");
  for (const char* bare : {"staging.git", "prod.git"})
    REQUIRE(sh(std::string("git init -q --bare ") + bare, repo.scratch()).status == 0);
}

std::string git(const std::filesystem::path& dir, const std::string& args) {
  Outcome o = sh("git " + args, dir);
  INFO("git " << args << ": " << o.err);
  REQUIRE(o.status == 0);
  return o.out.substr(0, o.out.find('\n'));
}

/// The ledger's deployment records, oldest first.
std::vector<nlohmann::json> deploy_records(const TempRepo& repo) {
  std::vector<nlohmann::json> out;
  for (auto& r : repo.ledger("t"))
    if (r.value("record", "") == "deploy")
      out.push_back(std::move(r));
  return out;
}

nlohmann::json status_json(const TempRepo& repo) {
  Outcome o = repo.anneal("status --json");
  INFO(o.err);
  REQUIRE(o.status == 0);
  return nlohmann::json::parse(o.out).at(0);
}

Outcome built(const TempRepo& repo, const std::string& args = "build") {
  Outcome o = repo.anneal(args);
  INFO(o.out << o.err);
  REQUIRE(o.status == 0);
  return o;
}

}  // namespace

TEST_CASE("a new best goes to staging when it is kept, and prod waits for a person", "[system][deploy]") {
  TempRepo repo;
  set_up(repo);
  Outcome build = built(repo);
  auto history = repo.history("t");
  REQUIRE(history.size() == 3);
  std::string key1 = history[1]["key"], key2 = history[2]["key"];
  std::string best = git(repo.path(), "rev-parse anneal/t");
  REQUIRE(best == history[2]["commit"].get<std::string>());

  // Both new bests went to staging, in their own worktrees (score.txt is the candidate's).
  std::string staged = sh("cat staging.log", repo.scratch()).out;
  CHECK(staged == "staging 1 90 " + history[1]["commit"].get<std::string>() + "\nstaging 2 80 " + best + "\n");
  CHECK(git(repo.scratch() / "staging.git", "rev-parse refs/heads/staging") == best);
  CHECK_THAT(build.out, Catch::Contains("t: deployed #2 (" + key2.substr(0, 16) + ") to staging"));
  CHECK_THAT(build.out, Catch::Contains("t: #2 (" + key2.substr(0, 16) + ") waits for approval of tier prod: anneal "
                                        "approve t " + key2.substr(0, 16) + " --tier prod"));
  // prod did not run.
  CHECK(sh("git rev-parse -q --verify refs/heads/main", repo.scratch() / "prod.git").status != 0);
  CHECK_FALSE(std::filesystem::exists(repo.scratch() / "prod-by"));
  // No deployment worktree outlives the build.
  CHECK(git(repo.path(), "worktree list --porcelain | grep -c '^worktree'") == "1");

  // The ledger: ran and waiting for each candidate, chained with the experiments, which
  // history still lists alone.
  auto steps = deploy_records(repo);
  REQUIRE(steps.size() == 4);
  CHECK(steps[0].value("step", "") == "ran");
  CHECK(steps[0].value("tier", "") == "staging");
  CHECK(steps[1].value("step", "") == "waiting");
  CHECK(steps[1].value("tier", "") == "prod");
  CHECK(steps[3].value("key", "") == key2);
  CHECK(steps[3].value("commit", "") == best);
  CHECK(steps[3].contains("seq"));

  // approval_needed reached the notify command, once per candidate.
  std::string events = sh("cat events", repo.scratch()).out;
  CHECK(count_lines(repo.scratch() / "events") == 2);
  CHECK_THAT(events, Catch::Contains("\"event\":\"approval_needed\""));
  CHECK_THAT(events, Catch::Contains("\"tier\":\"prod\""));

  // status says what waits, newest first.
  Outcome status = repo.anneal("status");
  CHECK_THAT(status.out, Catch::Contains("waits for approval: #2 (" + key2.substr(0, 16) + ") at tier prod since "));
  CHECK_THAT(status.out, Catch::Contains("anneal approve t " + key2.substr(0, 16) + " --tier prod"));
  nlohmann::json deploy = status_json(repo).at("deploy");
  REQUIRE(deploy["waiting"].size() == 2);
  CHECK(deploy["waiting"][0]["key"] == key2);
  CHECK(deploy["waiting"][0]["tier"] == "prod");
  CHECK(deploy["waiting"][1]["key"] == key1);

  // apply refuses the unapproved best.
  Outcome refused = repo.anneal("apply t");
  CHECK(refused.status == 1);
  CHECK_THAT(refused.err, Catch::Contains("t's best candidate #2 (" + key2.substr(0, 16) +
                                          ") waits for approval of tier prod: anneal approve t " + key2.substr(0, 16) +
                                          " --tier prod"));
  CHECK(repo.read("score.txt") == "100\n");

  SECTION("approve records who and when, runs prod, and apply takes it") {
    Outcome approved = repo.anneal("approve t");  // the newest candidate waiting
    INFO(approved.out << approved.err);
    REQUIRE(approved.status == 0);
    CHECK_THAT(approved.out, Catch::Contains("t: approved #2 (" + key2.substr(0, 16) +
                                             ") for tier prod, as Ada User <ada@example.com>"));
    CHECK_THAT(approved.out, Catch::Contains("t: deployed #2 (" + key2.substr(0, 16) + ") to prod"));
    CHECK(git(repo.scratch() / "prod.git", "rev-parse refs/heads/main") == best);
    CHECK(sh("cat prod-by", repo.scratch()).out == "Ada User <ada@example.com>\n");
    steps = deploy_records(repo);
    REQUIRE(steps.size() == 6);
    CHECK(steps[4].value("step", "") == "approved");
    CHECK(steps[4].value("by", "") == "Ada User <ada@example.com>");
    CHECK(steps[4].value("commit", "") == best);
    CHECK_THAT(steps[4].value("time", ""), Catch::Matches("20[0-9-]+T[0-9:]+Z"));
    CHECK(steps[5].value("step", "") == "ran");

    deploy = status_json(repo).at("deploy");
    REQUIRE(deploy["waiting"].size() == 1);  // #1 still waits
    CHECK(deploy["latest"]["deployed"] == nlohmann::json{"staging", "prod"});
    CHECK_THAT(repo.anneal("status").out, Catch::Contains("deployment: #2 (" + key2.substr(0, 16) +
                                                          ") deployed to staging, prod"));
    // Approved once is approved: a second approval is refused, and nothing runs again.
    Outcome again = repo.anneal("approve t " + key2.substr(0, 10) + " --tier prod");
    CHECK(again.status == 1);
    CHECK_THAT(again.err, Catch::Contains("does not wait for approval: it was deployed to staging, prod"));

    Outcome applied = repo.anneal("apply t");
    INFO(applied.err);
    CHECK(applied.status == 0);
    CHECK(repo.read("score.txt") == "80\n");
  }
  SECTION("reject records who and runs nothing; apply then needs --force") {
    Outcome rejected = repo.anneal("reject t " + key2.substr(0, 12) + " --tier prod");
    INFO(rejected.out << rejected.err);
    REQUIRE(rejected.status == 0);
    CHECK_THAT(rejected.out, Catch::Contains("t: rejected #2 (" + key2.substr(0, 16) +
                                             ") for tier prod, as Ada User <ada@example.com>; nothing more of it runs"));
    CHECK(sh("git rev-parse -q --verify refs/heads/main", repo.scratch() / "prod.git").status != 0);
    CHECK_FALSE(std::filesystem::exists(repo.scratch() / "prod-by"));
    steps = deploy_records(repo);
    REQUIRE(steps.size() == 5);
    CHECK(steps[4].value("step", "") == "rejected");
    CHECK(steps[4].value("by", "") == "Ada User <ada@example.com>");
    CHECK(steps[4].value("key", "") == key2);
    CHECK_THAT(repo.anneal("status").out, Catch::Contains("deployment: #2 (" + key2.substr(0, 16) +
                                                          ") rejected at tier prod by Ada User <ada@example.com>"));

    refused = repo.anneal("apply t");
    CHECK(refused.status == 1);
    CHECK_THAT(refused.err, Catch::Contains("is not approved for tier prod: it was rejected at tier prod by Ada User"));
    Outcome forced = repo.anneal("apply t --force");
    INFO(forced.err);
    CHECK(forced.status == 0);
    CHECK_THAT(forced.err, Catch::Contains("applying it all the same (--force)"));
    CHECK(repo.read("score.txt") == "80\n");
  }
  SECTION("apply --force takes a candidate that still waits") {
    Outcome forced = repo.anneal("apply t --force");
    INFO(forced.err);
    CHECK(forced.status == 0);
    CHECK(repo.read("score.txt") == "80\n");
    CHECK(deploy_records(repo).size() == 4);  // forcing is not approving
  }
  CHECK(repo.fsck_problems().empty());
  // The bare repositories the tiers pushed to (their HEAD is unborn: a notice, not a problem).
  for (const char* bare : {"prod.git", "staging.git"}) {
    Outcome fsck = sh("git fsck --no-progress 2>&1 && echo clean", repo.scratch() / bare);
    CHECK(fsck.out.find("clean") != std::string::npos);
    CHECK(sh("git fsck --no-progress 2>&1 | grep -v -e dangling -e '^notice:'", repo.scratch() / bare).out.empty());
  }
}

TEST_CASE("approve and reject name an unknown target, key or tier, and say what waits", "[system][deploy]") {
  TempRepo repo;
  set_up(repo);
  built(repo);
  std::string key2 = repo.history("t")[2]["key"];
  auto fails = [&](const std::string& args, const std::string& message) {
    Outcome o = repo.anneal(args);
    INFO(args << ": " << o.out << o.err);
    CHECK(o.status == 1);
    CHECK_THAT(o.err, Catch::Contains(message));
  };
  fails("approve nosuch", "no target 'nosuch' in Annealfile (targets: t)");
  fails("reject t ffff0000", "no deployed candidate of target 't' has a key or commit starting with 'ffff0000'");
  fails("approve t --tier prd", "target 't' has no deploy tier 'prd' (its tiers: staging, prod)");
  fails("approve t " + key2.substr(0, 16) + " --tier staging",
        "waits for approval of tier prod, not staging: anneal approve t " + key2.substr(0, 16) + " --tier prod");
  fails("approve t --tier staging", "nothing of target 't' waits for approval of tier staging");
  CHECK(repo.anneal("approve").status == 2);  // usage: the target is required
  // Nothing was recorded by the refusals.
  CHECK(deploy_records(repo).size() == 4);

  SECTION("no git identity: the approval is refused, saying how to set one") {
    repo.run("git config --unset user.name; git config --unset user.email");
    Outcome o = sh("HOME=" + repo.scratch().string() + " XDG_CONFIG_HOME=" + repo.scratch().string() +
                       " GIT_CONFIG_NOSYSTEM=1 " + anneal_binary() + " approve t",
                   repo.path());
    CHECK(o.status == 1);
    CHECK_THAT(o.err, Catch::Contains("git config user.name"));
    CHECK(deploy_records(repo).size() == 4);
  }
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("a failing tier is recorded and reported, and the build still completes", "[system][deploy]") {
  TempRepo repo;
  set_up(repo, "echo cannot reach staging >&2; exit 3");
  Outcome build = built(repo);
  auto history = repo.history("t");
  REQUIRE(history.size() == 3);
  CHECK(history[1]["outcome"] == "kept");
  CHECK(history[2]["outcome"] == "kept");
  std::string key2 = history[2]["key"];
  CHECK_THAT(build.out, Catch::Contains("t: warning: deploying #2 (" + key2.substr(0, 16) +
                                        ") to staging failed: exit status 3: cannot reach staging"));
  CHECK_THAT(build.out, Catch::Contains("t: 2 experiment(s) run"));
  auto steps = deploy_records(repo);
  REQUIRE(steps.size() == 2);  // prod is never reached
  CHECK(steps[1].value("step", "") == "failed");
  CHECK(steps[1].value("detail", "") == "exit status 3: cannot reach staging");
  CHECK(steps[1].value("output", "") == "cannot reach staging\n");
  nlohmann::json deploy = status_json(repo).at("deploy");
  CHECK(deploy["waiting"].empty());
  CHECK(deploy["latest"]["step"] == "failed");
  CHECK_THAT(repo.anneal("status").out,
             Catch::Contains("deployment: #2 (" + key2.substr(0, 16) + ") failed at tier staging: exit status 3"));
  CHECK_FALSE(std::filesystem::exists(repo.scratch() / "events"));  // nothing waited
  Outcome refused = repo.anneal("apply t");
  CHECK(refused.status == 1);
  CHECK_THAT(refused.err, Catch::Contains("is not approved for tier prod: its deployment failed at tier staging"));
  Outcome approve = repo.anneal("approve t " + key2.substr(0, 16));
  CHECK(approve.status == 1);
  CHECK_THAT(approve.err, Catch::Contains("does not wait for approval: its deployment failed at tier staging"));
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("a candidate deployed once is not deployed again by later builds", "[system][deploy]") {
  TempRepo repo;
  set_up(repo);
  built(repo);
  REQUIRE(count_lines(repo.scratch() / "staging.log") == 2);
  // Every node again, the same candidates kept again: none is deployed twice.
  built(repo, "build --fresh");
  CHECK(count_lines(repo.scratch() / "staging.log") == 2);
  CHECK(deploy_records(repo).size() == 4);
  CHECK(count_lines(repo.scratch() / "events") == 2);
  // Up to date: nothing runs.
  built(repo);
  CHECK(count_lines(repo.scratch() / "staging.log") == 2);
  // One more experiment, a new best: it alone is deployed.
  built(repo, "build --more 1");
  CHECK(count_lines(repo.scratch() / "staging.log") == 3);
  std::string best = git(repo.path(), "rev-parse anneal/t");
  CHECK(git(repo.scratch() / "staging.git", "rev-parse refs/heads/staging") == best);
  CHECK(deploy_records(repo).size() == 6);
  CHECK(status_json(repo).at("deploy")["waiting"].size() == 3);
  CHECK(repo.fsck_problems().empty());
}
