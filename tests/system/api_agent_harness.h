// A target improved by an `api` agent talking to a loopback fake of its provider: the
// prompt shows the file, the fake answers with edit blocks that drop one filler word.
#pragma once

#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "harness.h"
#include "llm/fake_llm_server.h"

namespace anneal::system_test {

/// The key the fakes expect; tests check it never reaches a file.
inline const std::string k_test_key = "sk-test-SECRET-0123456789abcdef";

/// The user message of a request the fake received (either provider's shape).
inline std::string user_prompt(const llm::test::Received& r) {
  for (const auto& m : r.body.at("messages"))
    if (m.at("role") == "user")
      return m.at("content").get<std::string>();
  return "";
}

/// The content of `path` as the prompt shows it (between its fences), or "" if absent.
inline std::string shown_file(const std::string& prompt, const std::string& path) {
  size_t at = prompt.find("\n" + path + "\n```");
  if (at == std::string::npos)
    return "";
  size_t start = prompt.find('\n', at + path.size() + 2) + 1;
  size_t end = prompt.find("\n```", start);
  return prompt.substr(start, end == std::string::npos ? std::string::npos : end - start + 1);
}

/// A reply that removes the first " filler" of the first line holding one.
inline std::string drop_filler_reply(const llm::test::Received& r) {
  std::string file = shown_file(user_prompt(r), "text.txt");
  size_t at = file.find(" filler");
  if (at == std::string::npos)
    return "Hypothesis: nothing left to remove\ntext.txt\n<<<<<<< SEARCH\nno such line\n=======\n\n>>>>>>> REPLACE\n";
  size_t begin = file.rfind('\n', at);
  begin = begin == std::string::npos ? 0 : begin + 1;
  size_t end = file.find('\n', at);
  std::string line = file.substr(begin, end - begin);
  std::string shorter = line;
  shorter.erase(at - begin, 7);
  return fmt::format("Hypothesis: drop one filler word from \"{}\"\n\ntext.txt\n<<<<<<< SEARCH\n{}\n=======\n{}\n>>>>>>> REPLACE\n",
                     line, line, shorter);
}

/// text.txt with `lines` lines of two filler words each; the stage counts words (minimize).
inline void write_wordy_project(const TempRepo& repo, const std::string& agent, const std::string& extra = "",
                                int experiments = 3, int lines = 4) {
  std::string text;
  for (int i = 0; i < lines; ++i)
    text += fmt::format("line {} filler filler end\n", i);
  repo.write("text.txt", text);
  repo.write("Annealfile", fmt::format(R"(annealfile: 1
agents:
  writer: {}
targets:
  words:
    artifact: [text.txt]
    agent: writer
    stages:
      - {{name: count, run: "wc -w < text.txt"}}
    objective: {{metric: count, direction: minimize}}
    search: {{strategy: greedy, seed: 3}}
    budget: {{experiments: {}}}
{})",
                                       agent, experiments, extra));
  repo.commit("project");
}

/// An inline api agent for `provider` at `base_url`, with `more` fields ("max_tokens: 10, …").
inline std::string api_agent(const std::string& provider, const std::string& base_url,
                             const std::string& more = "") {
  return fmt::format("{{kind: api, provider: {}, model: {}-test, base_url: \"{}\"{}{}}}", provider,
                     provider == "anthropic" ? "claude" : "gpt", base_url, more.empty() ? "" : ", ", more);
}

/// Runs anneal with `env` in front ("OPENAI_API_KEY=…", or "env -u OPENAI_API_KEY"), the
/// config directory in the scratch folder as TempRepo::anneal has it.
inline Outcome anneal_with(const TempRepo& repo, const std::string& env, const std::string& args) {
  return repo.run(env + " ANNEAL_CONFIG_DIR='" + (repo.scratch() / "config").string() + "' " +
                  anneal_binary() + " " + args);
}

/// Replaces the first `from` in `path` with `to` and commits (a config change by the user).
inline void replace_and_commit(const TempRepo& repo, const std::string& path, const std::string& from,
                               const std::string& to) {
  std::string text = repo.read(path);
  size_t at = text.find(from);
  if (at == std::string::npos)
    throw std::runtime_error("no '" + from + "' in " + path);
  repo.write(path, text.replace(at, from.size(), to));
  repo.commit("changed " + path);
}

/// Files under the repository (with .anneal/) and the config dir holding `needle`: empty when none.
inline std::string files_containing(const TempRepo& repo, const std::string& needle) {
  return repo.run("grep -rl -F -- '" + needle + "' . '" + (repo.scratch() / "config").string() + "' 2>/dev/null || true").out;
}

}  // namespace anneal::system_test
