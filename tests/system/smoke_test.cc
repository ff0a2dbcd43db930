// The bundled offline example improves on its baseline, from a fresh repository.
#include <catch2/catch.hpp>

#include "harness.h"

using namespace anneal::system_test;

TEST_CASE("the tune example beats its baseline and a second build does nothing", "[system]") {
  TempRepo repo;
  REQUIRE(repo.run("cp -r " ANNEAL_SOURCE_DIR "/examples/tune-service/. .").status == 0);
  repo.commit("example");
  Outcome first = repo.anneal("build --experiments 15");
  INFO(first.out << first.err);
  REQUIRE(first.status == 0);
  auto history = repo.history("latency");
  REQUIRE(history.size() == 16);
  CHECK(history[0]["outcome"] == "baseline");
  double baseline = history[0]["score"].get<double>();
  double best = baseline;
  for (const auto& e : history)
    if (e["outcome"] == "kept" || e["outcome"] == "baseline")
      best = std::min(best, e["score"].get<double>());
  CHECK(best < baseline);

  Outcome second = repo.anneal("build --experiments 15");
  CHECK(second.status == 0);
  CHECK(second.out.find("no work to do") != std::string::npos);
  CHECK(repo.history("latency").size() == 16);
  CHECK(repo.status().empty());
  CHECK(repo.fsck_problems().empty());
}
