// `anneal dashboard`: its JSON API says what the commands' --json say, a token guards it off
// loopback, /events sends each new ledger record, and in a real browser (headless Chromium)
// the page shows the target, its points and best score and takes in a new experiment live.
#include <catch2/catch.hpp>

#include <httplib.h>

#include <csignal>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "dashboard_process.h"
#include "harness.h"

using namespace anneal::system_test;
using namespace std::chrono_literals;

namespace {

/// The tune example with `experiments` experiments built.
void built_example(TempRepo& repo, int experiments) {
  REQUIRE(repo.run("cp -r " ANNEAL_SOURCE_DIR "/examples/tune-service/. .").status == 0);
  repo.commit("example");
  Outcome built = repo.anneal("build --experiments " + std::to_string(experiments));
  INFO(built.out << built.err);
  REQUIRE(built.status == 0);
}

nlohmann::json cli_json(const TempRepo& repo, const std::string& args) {
  Outcome o = repo.anneal(args);
  INFO(args << ": " << o.err);
  REQUIRE(o.status == 0);
  return nlohmann::json::parse(o.out);
}

struct Got {
  int status = -1;
  std::string body;
  httplib::Headers headers;
};

Got get(const std::string& base, const std::string& path, const httplib::Headers& headers = {}) {
  httplib::Client client(base);
  client.set_connection_timeout(5);
  client.set_read_timeout(30);
  auto res = client.Get(path, headers);
  if (!res)
    return {};
  return {res->status, res->body, res->headers};
}

nlohmann::json api(const std::string& base, const std::string& path) {
  Got got = get(base, path);
  INFO(path << ": " << got.status << " " << got.body);
  REQUIRE(got.status == 200);
  return nlohmann::json::parse(got.body);
}

}  // namespace

TEST_CASE("the dashboard's API answers what status, history and show print with --json", "[system][dashboard]") {
  TempRepo repo;
  built_example(repo, 4);
  DashboardProcess dashboard(repo);
  CHECK(dashboard.printed_url() == dashboard.base() + "/");
  CHECK(dashboard.token().empty());

  CHECK(api(dashboard.base(), "/api/status") == cli_json(repo, "status --json"));
  nlohmann::json history = cli_json(repo, "history latency --json");
  REQUIRE(history.size() == 5);
  CHECK(api(dashboard.base(), "/api/targets/latency/history") == history);
  std::string key = history[3]["key"].get<std::string>();
  nlohmann::json shown = cli_json(repo, "show " + key + " --json");
  CHECK(api(dashboard.base(), "/api/experiments/" + key) == shown);
  CHECK(api(dashboard.base(), "/api/experiments/latency%233") == shown);
  // What a click on the experiment shows comes with it: the diff and the nodes with durations.
  CHECK(shown["diff"].get<std::string>().find("service.ini") != std::string::npos);
  REQUIRE(shown["nodes"].size() == 3);
  CHECK(shown["nodes"][2]["what"] == "stage p50");
  CHECK(shown["nodes"][2]["duration_s"].is_number());
  // A node's page carries its output.
  std::string stage = shown["nodes"][2]["key"].get<std::string>();
  nlohmann::json node = cli_json(repo, "show " + stage + " --json");
  CHECK(api(dashboard.base(), "/api/experiments/" + stage) == node);
  CHECK(node["logs"]["stdout"].get<std::string>().find("p50") != std::string::npos);

  SECTION("the page and Chart.js are served from the binary") {
    Got page = get(dashboard.base(), "/");
    CHECK(page.status == 200);
    CHECK(page.body.find("<canvas id=\"trajectory\"") != std::string::npos);
    CHECK(get(dashboard.base(), "/targets/latency").status == 200);
    Got chart = get(dashboard.base(), "/assets/chart.js");
    CHECK(chart.status == 200);
    CHECK(chart.body.find("Chart.js v") != std::string::npos);
    CHECK(chart.body.size() > 100000);
  }

  SECTION("bad requests are refused cleanly and the server keeps answering") {
    CHECK(get(dashboard.base(), "/api/targets/nope/history").status == 404);
    CHECK(get(dashboard.base(), "/targets/nope").status == 404);
    CHECK(get(dashboard.base(), "/api/experiments/ffffffffffffffff").status == 404);
    CHECK(get(dashboard.base(), "/api/experiments/latency%2399").status == 404);
    CHECK(get(dashboard.base(), "/api/experiments/latency%23x").status == 400);
    CHECK(get(dashboard.base(), "/api/targets/..%2F..%2F..%2Fetc%2Fpasswd/history").status == 404);
    CHECK(get(dashboard.base(), "/api/experiments/..%2F..%2Fspecs").status == 404);
    CHECK(get(dashboard.base(), "/api/experiments/..").status == 400);
    CHECK(get(dashboard.base(), "/assets/..%2F..%2Fetc%2Fpasswd").status == 404);
    CHECK(get(dashboard.base(), "/nothing/here").status == 404);
    Got huge = get(dashboard.base(), "/api/experiments/" + std::string(100000, 'a'));
    CHECK(huge.status >= 400);
    CHECK(huge.status < 500);
    // The server may close the connection before the body is sent: a write to it must not
    // end this test with SIGPIPE.
    auto old_pipe = ::signal(SIGPIPE, SIG_IGN);
    httplib::Client client(dashboard.base());
    auto posted = client.Post("/api/status", std::string(1 << 20, 'x'), "text/plain");
    ::signal(SIGPIPE, old_pipe);
    CHECK((!posted || posted->status == 405 || posted->status == 413));
    // A page elsewhere whose name resolves to 127.0.0.1 (DNS rebinding) is not answered.
    CHECK(get(dashboard.base(), "/api/status", {{"Host", "attacker.example:80"}}).status == 403);
    CHECK(get(dashboard.base(), "/api/status").status == 200);
  }
  CHECK(dashboard.stop() == 0);  // SIGTERM: a clean stop
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("off loopback the dashboard needs the token it printed once, then keeps it in a cookie",
          "[system][dashboard]") {
  TempRepo repo;
  built_example(repo, 1);
  DashboardProcess dashboard(repo, "--host 0.0.0.0");
  std::string token = dashboard.token();
  REQUIRE(token.size() == 32);
  std::string out = dashboard.output();
  CHECK(out.find(token) == out.rfind(token));  // printed once

  for (const char* path : {"/", "/api/status", "/api/targets/latency/history", "/events", "/assets/chart.js"}) {
    INFO(path);
    CHECK(get(dashboard.base(), path).status == 401);
    CHECK(get(dashboard.base(), std::string(path) + "?token=" + std::string(32, '0')).status == 401);
  }
  CHECK(get(dashboard.base(), "/api/status", {{"Cookie", "anneal_token_" + std::to_string(dashboard.port()) + "=wrong"}})
            .status == 401);

  // The printed URL: the page sets the cookie and takes the token out of the address.
  Got first = get(dashboard.base(), "/?token=" + token);
  CHECK(first.status == 303);
  CHECK(first.headers.find("Location")->second == "/");
  auto cookie = first.headers.find("Set-Cookie");
  REQUIRE(cookie != first.headers.end());
  std::string pair = cookie->second.substr(0, cookie->second.find(';'));
  CHECK(pair == "anneal_token_" + std::to_string(dashboard.port()) + "=" + token);
  CHECK(cookie->second.find("HttpOnly") != std::string::npos);
  CHECK(get(dashboard.base(), "/", {{"Cookie", pair}}).status == 200);
  CHECK(get(dashboard.base(), "/api/status", {{"Cookie", "other=1; " + pair}}).status == 200);
  CHECK(get(dashboard.base(), "/api/status", {{"Authorization", "Bearer " + token}}).status == 200);
  CHECK(get(dashboard.base(), "/api/status?token=" + token).status == 200);
}

TEST_CASE("/events sends each new ledger record with its target and id", "[system][dashboard]") {
  TempRepo repo;
  built_example(repo, 2);
  DashboardProcess dashboard(repo);

  std::mutex mutex;
  std::condition_variable arrived;
  std::string stream;
  bool opened = false;
  httplib::Client client(dashboard.base());
  client.set_read_timeout(60);
  std::thread reader([&] {
    client.Get("/events", [&](const char* data, size_t size) {
      std::lock_guard lock(mutex);
      opened = true;
      stream.append(data, size);
      arrived.notify_all();
      return stream.find("\"id\":3") == std::string::npos;  // stop after the record of #3
    });
  });
  {
    std::unique_lock lock(mutex);
    REQUIRE(arrived.wait_for(lock, 10s, [&] { return opened; }));
  }
  Outcome built = repo.anneal("build --more 1");
  REQUIRE(built.status == 0);
  bool got = false;
  {
    std::unique_lock lock(mutex);
    got = arrived.wait_for(lock, 10s, [&] { return stream.find("\"id\":3") != std::string::npos; });
  }
  if (!got)
    client.stop();
  reader.join();
  INFO(stream);
  REQUIRE(got);
  // "id: N\ndata: {…}\n\n" — the data is the record as history --json lists it.
  auto at = stream.find("\ndata: ");
  REQUIRE(at != std::string::npos);
  CHECK(stream.find("id: 1\n") != std::string::npos);
  nlohmann::json event = nlohmann::json::parse(stream.substr(at + 7, stream.find('\n', at + 7) - at - 7));
  CHECK(event["target"] == "latency");
  CHECK(event["id"] == 3);
  nlohmann::json history = cli_json(repo, "history latency --json");
  REQUIRE(history.size() == 4);
  CHECK(event["record"] == history[3]);
  // Nothing built before the stream opened is sent again (the page has it from the API).
  CHECK(stream.find("\"id\":2") == std::string::npos);
}

TEST_CASE("in headless Chromium the page shows the target, a point per scored experiment and the best "
          "score, and a new experiment appears without a reload",
          "[system][dashboard][browser]") {
  TempRepo repo;
  built_example(repo, 6);
  DashboardProcess dashboard(repo);
  nlohmann::json history = cli_json(repo, "history latency --json");
  nlohmann::json status = cli_json(repo, "status --json");
  int scored = 0;
  for (const auto& e : history)
    scored += e["score"].is_number();

  std::filesystem::path artifacts = std::filesystem::path(ANNEAL_BUILD_DIR) / "test-artifacts";
  std::filesystem::create_directories(artifacts);
  std::string screenshot = (artifacts / "dashboard.png").string();
  std::filesystem::remove(screenshot);
  // The driver (Python's standard library over the DevTools pipe) loads the page, reads what
  // it shows, runs one more experiment and waits for the page to show it.
  Outcome seen = sh("/usr/bin/python3 " ANNEAL_SOURCE_DIR "/tests/browser/dashboard_check.py '" +
                        dashboard.printed_url() + "' '" + screenshot + "' --then \"ANNEAL_CONFIG_DIR='" +
                        (repo.scratch() / "config").string() + "' '" + anneal_binary() +
                        "' build --more 1\" --cwd '" + repo.path().string() + "'",
                    repo.path());
  INFO(seen.out << seen.err << dashboard.output());
  REQUIRE(seen.status == 0);
  nlohmann::json report = nlohmann::json::parse(seen.out);
  const nlohmann::json& before = report["before"];
  CHECK(before["ready"] == true);
  CHECK(before["error"] == "");
  CHECK(before["target"] == "latency");
  CHECK(before["points"] == scored);
  CHECK(before["chart_points"] == scored);
  CHECK(before["rows"] == history.size());
  CHECK(std::stod(before["best"].get<std::string>()) == status[0]["best_score"].get<double>());
  CHECK(before["live"] == "live");

  const nlohmann::json& after = report["after"];
  nlohmann::json now = cli_json(repo, "history latency --json");
  REQUIRE(now.size() == history.size() + 1);
  CHECK(after["points"] == scored + 1);
  CHECK(after["chart_points"] == scored + 1);
  CHECK(after["ids"][0] == now.back()["id"]);
  REQUIRE(report["appeared_s"].is_number());
  CHECK(report["appeared_s"].get<double>() < 2.0);
  CHECK(std::stod(after["best"].get<std::string>()) == cli_json(repo, "status --json")[0]["best_score"].get<double>());
  CHECK(std::filesystem::file_size(screenshot) > 10000);
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("dashboard --open starts $BROWSER on the page's URL, and help names its options", "[system][dashboard]") {
  TempRepo repo;
  built_example(repo, 0);
  std::string opened = (repo.scratch() / "opened").string();
  repo.write("browser.sh", "#!/bin/sh\necho \"$1\" > '" + opened + "'\n", true);
  DashboardProcess dashboard(repo, "--open", "BROWSER='" + (repo.path() / "browser.sh").string() + "'");
  std::string url;
  for (int i = 0; i < 200 && url.empty(); ++i) {
    std::this_thread::sleep_for(25ms);
    url = repo.run("cat '" + opened + "' 2>/dev/null").out;
  }
  CHECK(url == dashboard.printed_url() + "\n");
  CHECK(get(dashboard.base(), "/").status == 200);

  Outcome help = repo.anneal("help dashboard");
  CHECK(help.status == 0);
  CHECK_THAT(help.out, Catch::Contains("--host") && Catch::Contains("--port") && Catch::Contains("--open"));
  CHECK(repo.anneal("dashboard --port 70000").status == 2);
  CHECK_THAT(repo.anneal("help").out, Catch::Contains("dashboard"));
}

TEST_CASE("show --json and the dashboard say which of an experiment's nodes were cache hits", "[system][dashboard]") {
  TempRepo repo;
  built_example(repo, 2);
  nlohmann::json fresh = cli_json(repo, "show latency#2 --json");
  REQUIRE(fresh["nodes"].size() == 3);
  for (const auto& n : fresh["nodes"])
    CHECK(n["cached"] == false);
  // Forgotten and built again, the experiments are replayed from the cache: nothing runs.
  REQUIRE(repo.anneal("clean latency").status == 0);
  Outcome again = repo.anneal("build --experiments 2");
  INFO(again.out << again.err);
  REQUIRE(again.status == 0);
  nlohmann::json replayed = cli_json(repo, "show latency#2 --json");
  REQUIRE(replayed["nodes"].size() == 3);
  for (const auto& n : replayed["nodes"])
    CHECK(n["cached"] == true);
  CHECK_THAT(repo.anneal("show latency#2").out, Catch::Contains("stage p50  ok (cached)"));
  DashboardProcess dashboard(repo);
  CHECK(api(dashboard.base(), "/api/experiments/latency%232") == replayed);
}
