// anneal-fake-llm (tools/fake_llm: a rule-based stand-in LLM in the OpenAI wire format) as
// its own process on a free loopback port, started with any of its options (--delay-ms,
// --max-concurrent, --embeddings-fail-after), stopped when the test ends.
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

extern char** environ;

namespace anneal::system_test {

class FakeLlmProcess {
 public:
  /// Starts the fake with its log and port file in `dir`, and `extra` arguments
  /// ({"--max-concurrent", "1"}, {"--embeddings-fail-after", "1"}).
  explicit FakeLlmProcess(const std::filesystem::path& dir, std::vector<std::string> extra = {})
      : m_log(dir / "fake-llm.log") {
    std::filesystem::path port_file = dir / "fake-llm.port";
    std::vector<std::string> args = {FAKE_LLM_BIN, "--port", "0", "--port-file", port_file.string(),
                                     "--log", m_log.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    REQUIRE(posix_spawn(&m_pid, FAKE_LLM_BIN, nullptr, nullptr, argv.data(), environ) == 0);
    for (int i = 0; i < 500 && m_port == 0; ++i) {
      std::ifstream in(port_file);
      in >> m_port;
      if (m_port == 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    REQUIRE(m_port != 0);
  }
  ~FakeLlmProcess() {
    ::kill(m_pid, SIGTERM);
    int status = 0;
    ::waitpid(m_pid, &status, 0);
  }
  FakeLlmProcess(const FakeLlmProcess&) = delete;
  FakeLlmProcess& operator=(const FakeLlmProcess&) = delete;

  int port() const { return m_port; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(m_port) + "/v1"; }
  /// The requests it received, one JSON object each (model, seed, messages, in_flight; status
  /// 429 for one it refused; for embeddings, endpoint, model and input).
  std::vector<nlohmann::json> requests() const {
    std::vector<nlohmann::json> out;
    std::ifstream in(m_log);
    for (std::string line; std::getline(in, line);)
      if (!line.empty())
        out.push_back(nlohmann::json::parse(line));
    return out;
  }
  /// The embeddings requests among them.
  std::vector<nlohmann::json> embedding_requests() const {
    std::vector<nlohmann::json> out;
    for (auto& r : requests())
      if (r.value("endpoint", "") == "embeddings")
        out.push_back(r);
    return out;
  }

 private:
  std::filesystem::path m_log;
  pid_t m_pid = 0;
  int m_port = 0;
};

}  // namespace anneal::system_test
