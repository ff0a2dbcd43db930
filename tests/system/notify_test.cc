// `notify:` end to end: events of real builds reach a webhook on loopback (a cpp-httplib
// server in the test) and a command; receivers that fail, hang or refuse never fail or stall
// the build, and webhook tokens stay out of what anneal prints.
#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "harness.h"

using namespace anneal::system_test;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// A webhook receiver on 127.0.0.1: records every POST and answers the scripted statuses in
/// order (then 200), or never answers when `hang` is set.
class Receiver {
 public:
  explicit Receiver(std::vector<int> statuses = {}, bool hang = false) : m_statuses(std::move(statuses)), m_hang(hang) {
    m_server.Post(".*", [this](const httplib::Request& request, httplib::Response& response) {
      std::unique_lock lock(m_mutex);
      m_bodies.push_back(request.body);
      m_paths.push_back(request.path);
      m_types.push_back(request.get_header_value("Content-Type"));
      if (m_hang) {
        m_release.wait(lock, [this] { return m_stopping; });
        return;
      }
      int status = 200;
      if (!m_statuses.empty()) {
        status = m_statuses.front();
        m_statuses.erase(m_statuses.begin());
      }
      response.status = status;
      response.set_content(status == 200 ? "ok" : "busy", "text/plain");
    });
    m_port = m_server.bind_to_any_port("127.0.0.1");
    m_thread = std::thread([this] { m_server.listen_after_bind(); });
  }
  ~Receiver() {
    {
      std::lock_guard lock(m_mutex);
      m_stopping = true;
    }
    m_release.notify_all();
    while (!m_server.is_running())
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    m_server.stop();
    m_thread.join();
  }
  std::string url(const std::string& path) const { return fmt::format("http://127.0.0.1:{}{}", m_port, path); }
  std::vector<nlohmann::json> events() const {
    std::lock_guard lock(m_mutex);
    std::vector<nlohmann::json> out;
    for (const auto& body : m_bodies)
      out.push_back(nlohmann::json::parse(body));
    return out;
  }
  std::vector<std::string> paths() const {
    std::lock_guard lock(m_mutex);
    return m_paths;
  }
  std::vector<std::string> types() const {
    std::lock_guard lock(m_mutex);
    return m_types;
  }

 private:
  httplib::Server m_server;
  std::thread m_thread;
  int m_port = 0;
  mutable std::mutex m_mutex;
  std::condition_variable m_release;
  std::vector<int> m_statuses;
  bool m_hang = false;
  bool m_stopping = false;
  std::vector<std::string> m_bodies;
  std::vector<std::string> m_paths;
  std::vector<std::string> m_types;
};

const char* const k_target = R"(  t:
    artifact: [score.txt]
    agent: {kind: command, run: "echo $((100 - 10 * ANNEAL_EXPERIMENT)) > score.txt"}
    stages: [{name: score, run: "cat score.txt"}]
    objective: {metric: score, direction: minimize}
    budget: {experiments: 2}
)";

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
    if (end > start)
      out.push_back(nlohmann::json::parse(text.substr(start, end - start)));
  return out;
}

}  // namespace

TEST_CASE("new_best, budget_reached and build_done reach a webhook and a command, a 503 is retried",
          "[system][notify]") {
  Receiver receiver({503});
  TempRepo repo;
  repo.write("score.txt", "100\n");
  repo.write("Annealfile", with_scratch(fmt::format(R"(annealfile: 1
notify:
  - {{on: [new_best, build_done], url: "$HOOK_URL"}}
targets:
{}    notify:
      - {{on: [budget_reached, new_best], run: "cat >> SCRATCH/events.jsonl"}}
)",
                                                    k_target),
                                        repo));
  repo.commit("project");
  std::string hook = receiver.url("/services/T000/B000/SECRETTOKEN123");
  Outcome again = repo.run(fmt::format("HOOK_URL='{}' ANNEAL_CONFIG_DIR='{}' '{}' build", hook,
                                       (repo.scratch() / "config").string(), anneal_binary()));
  INFO(again.out << again.err);
  REQUIRE(again.status == 0);
  CHECK_FALSE(contains(again.out + again.err, "SECRETTOKEN123"));
  CHECK_FALSE(contains(again.out + again.err, "notify:"));

  // The first POST got a 503 and was sent again; then each event once.
  auto events = receiver.events();
  REQUIRE(events.size() == 4);
  std::vector<std::string> names;
  for (const auto& e : events)
    names.push_back(e.at("event"));
  CHECK(names == std::vector<std::string>{"new_best", "new_best", "new_best", "build_done"});
  CHECK(events[0] == events[1]);
  for (const auto& path : receiver.paths())
    CHECK(path == "/services/T000/B000/SECRETTOKEN123");
  for (const auto& type : receiver.types())
    CHECK(type == "application/json");
  const nlohmann::json& best = events[2];
  CHECK(best.at("v") == 1);
  CHECK(best.at("target") == "t");
  CHECK(best.at("experiment") == 2);
  CHECK(best.at("score") == 80);
  CHECK(best.at("baseline_score") == 100);
  CHECK(best.at("repository") == repo.path().string());
  CHECK_THAT(best.at("text").get<std::string>(),
             Catch::StartsWith("anneal: t has a new best: score 80 at experiment #2 (baseline 100); anneal show "));
  CHECK_THAT(events[3].at("text").get<std::string>(), Catch::StartsWith("anneal: t: 2 experiment(s) run"));

  // The command got the events as JSON on stdin, one per line.
  auto lines = json_lines(repo.run("cat " + (repo.scratch() / "events.jsonl").string()).out);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].at("event") == "new_best");
  CHECK(lines[0].at("experiment") == 1);
  CHECK(lines[1].at("experiment") == 2);
  CHECK(lines[2].at("event") == "budget_reached");
  CHECK(lines[2].at("text") == "anneal: t reached its budget (experiments)");
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("a webhook that hangs or refuses and a command that fails neither fail nor stall the build",
          "[system][notify]") {
  Receiver hanging({}, true);
  TempRepo repo;
  repo.write("score.txt", "100\n");
  repo.write("Annealfile", fmt::format(R"(annealfile: 1
notify:
  - {{on: [new_best], url: "{}", timeout: 2s}}
  - {{on: [new_best], url: "http://127.0.0.1:1/hooks/SECRETTOKEN456"}}
  - {{on: [new_best], url: "$NO_SUCH_HOOK/x"}}
  - {{on: [new_best, build_done], run: "echo the receiver is down >&2; exit 3"}}
targets:
{})",
                                       hanging.url("/hooks/SECRETTOKEN123"), k_target));
  repo.commit("project");
  auto start = std::chrono::steady_clock::now();
  Outcome built = repo.anneal("build");
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO(built.out << built.err);
  CHECK(built.status == 0);
  CHECK(repo.history("t").size() == 3);
  // Each webhook is given up after its time (2s, 10s), and not tried again in this build.
  CHECK(took < 25);
  std::string printed = built.out + built.err;
  CHECK_FALSE(contains(printed, "SECRETTOKEN"));
  CHECK(contains(printed, "notify: POST to " + hanging.url("/[redacted]") + " for new_best failed ("));
  CHECK(contains(printed, "notify: POST to http://127.0.0.1:1/[redacted] for new_best failed ("));
  CHECK(contains(printed, "not tried again in this build"));
  CHECK(contains(printed, "notify: $NO_SUCH_HOOK/x for new_best: $NO_SUCH_HOOK is not set"));
  CHECK(contains(printed, "notify: `echo the receiver is down >&2; exit 3` for new_best failed: exit status 3: the "
                          "receiver is down"));
  CHECK(hanging.events().size() == 1);
}

TEST_CASE("a halted target is told to its notify command", "[system][notify]") {
  TempRepo repo;
  repo.write("score.txt", "100\n");
  repo.write("Annealfile", with_scratch(R"(annealfile: 1
targets:
  t:
    artifact: [score.txt]
    agent: {kind: command, run: "exit 1"}
    stages: [{name: score, run: "cat score.txt"}]
    objective: {metric: score, direction: minimize}
    budget: {experiments: 5, max_consecutive_failures: 2}
    notify:
      - {on: [halted, build_done], run: "cat > SCRATCH/$ANNEAL_EVENT.json"}
)",
                                        repo));
  repo.commit("project");
  Outcome built = repo.anneal("build");
  INFO(built.out << built.err);
  CHECK(built.status == 1);
  auto halted = nlohmann::json::parse(repo.run("cat " + (repo.scratch() / "halted.json").string()).out);
  CHECK(halted.at("event") == "halted");
  CHECK_THAT(halted.at("text").get<std::string>(),
             Catch::StartsWith("anneal: t: halted after 2 consecutive failed experiments"));
  CHECK(count_lines(repo.scratch() / "build_done.json") == 0);
}
