#include "graph/policy_version.h"

#include <fmt/format.h>

#include "graph/failure_category.h"
#include "graph/outcome_summary.h"
#include "graph/retry_plan.h"
#include "util/file.h"

namespace anneal::graph {

const std::string_view k_default_policy =
    "Make one focused change per experiment: the one you expect to improve the objective most. Read "
    "how recent experiments went first; do not repeat a change that failed, and when several failed "
    "the same way, try a different kind of change.";

namespace {

constexpr size_t k_max_policy = 4000;  ///< bytes of a policy kept from a reply

std::string trimmed(const std::string& text) {
  size_t start = text.find_first_not_of(" \t\r\n");
  size_t end = text.find_last_not_of(" \t\r\n");
  return start == std::string::npos ? "" : text.substr(start, end - start + 1);
}

std::string reward_text(const std::optional<double>& reward) {
  return reward ? fmt::format("{:.2f}", *reward) : "none";
}

}  // namespace

void PolicyVersions::replay(const std::vector<nlohmann::json>& generation) {
  m_windows.clear();
  m_latest.clear();
  m_current = -1;
  m_next_version = 1;
  for (const auto& record : generation)
    add(record);
}

void PolicyVersions::add(const nlohmann::json& record) {
  int id = record.value("id", 0);
  if (!m_target.policy || id <= 0)
    return;
  m_latest[id] = record;
  m_current = std::max(m_current, window_of(id));
  const nlohmann::json& p = record.value("policy", nlohmann::json());
  if (!p.is_object() || m_windows.count(p.value("window", -1)))
    return;
  Window window{p.value("version", 0), p.value("digest", ""), p.value("event", ""), p.value("from", -1)};
  m_next_version = std::max(m_next_version, window.version + 1);
  if (!m_texts.count(window.digest)) {
    if (window.version == 0)
      keep(std::string(k_default_policy));
    else if (auto text = read_file_if_exists(m_dir / (window.digest + ".md")))
      m_texts[window.digest] = *text;
  }
  m_windows[p.value("window", -1)] = std::move(window);
}

std::optional<double> PolicyVersions::reward(int w) const {
  int every = m_target.policy->every, finished = 0, improved = 0;
  for (int id = w * every + 1; id <= (w + 1) * every; ++id) {
    auto it = m_latest.find(id);
    if (it == m_latest.end() || unfinished_record(it->second))
      continue;
    ++finished;
    improved += improved_best(it->second) ? 1 : 0;
  }
  if (finished == 0)
    return std::nullopt;
  return static_cast<double>(improved) / finished;
}

std::string PolicyVersions::keep(const std::string& text) {
  std::string digest = text_digest(text);
  if (m_texts.emplace(digest, text).second && !m_dir.empty()) {
    std::filesystem::path path = m_dir / (digest + ".md");
    std::error_code ec;
    if (!std::filesystem::exists(path, ec) && make_dirs(m_dir))
      (void)write_file_atomic(path, text);
  }
  return digest;
}

const std::string& PolicyVersions::text_of(const Window& window) const {
  static const std::string k_default(k_default_policy);
  auto it = m_texts.find(window.digest);
  return it == m_texts.end() ? k_default : it->second;
}

PlannedNode PolicyVersions::rewrite_call(int id, const std::string& text, int version) const {
  const int every = m_target.policy->every;
  const int w = window_of(id);
  std::vector<nlohmann::json> window;
  for (int i = (w - 1) * every + 1; i < id; ++i)
    if (auto it = m_latest.find(i); it != m_latest.end() && !unfinished_record(it->second))
      window.push_back(it->second);
  std::string outcomes;
  for (const auto& r : window)
    outcomes += outcome_line(r);
  std::string failures = failure_prompt_lines(failure_distribution(window));
  std::string earlier;
  if (w >= 2)
    if (auto it = m_windows.find(w - 2); it != m_windows.end())
      earlier = fmt::format("The window before it, under v{}, had {} improvements per experiment.\n",
                            it->second.version, reward_text(reward(w - 2)));
  std::string prompt = fmt::format(
      "An agent improves target '{}' (objective: {} `{}`) one experiment at a time. Besides the target and its "
      "history, every prompt it gets has a section \"How to work\": the instructions below, which you maintain.\n\n"
      "Current instructions (v{}):\n\n{}\n\n"
      "The last {} experiment(s), under these instructions ({} improvements per experiment: the share that "
      "made a new best):\n\n{}\n{}{}"
      "Rewrite the instructions so that the next {} experiments improve the objective more often: keep what "
      "worked, steer away from the kinds of change and the failures that keep recurring, say concretely what to "
      "try. At most 150 words, addressed to the agent. Reply with the new instructions only.",
      m_target.name, m_target.objective.direction == Direction::Minimize ? "minimize" : "maximize",
      m_target.objective.metric, version, text, window.size(), reward_text(reward(w - 1)),
      outcomes.empty() ? "(none finished)\n" : outcomes,
      failures.empty() ? "" : "How they failed:\n" + failures + "\n", earlier, every);
  return side_call(m_target.policy->agent, m_target,
                   {"policy", id, 1 << 22, 0.7,
                    "You write the working instructions of an optimisation agent, from how its recent "
                    "experiments went.",
                    std::move(prompt), 1024});
}

Result<double> PolicyVersions::prepare(int id, const cache::LocalStore& store, const CallHooks& hooks) {
  if (!m_target.policy || id <= 0)
    return 0.0;
  const int w = window_of(id);
  m_current = std::max(m_current, w);
  if (m_windows.count(w))
    return 0.0;
  if (w == 0 || !m_windows.count(w - 1)) {
    m_windows[w] = Window{0, keep(std::string(k_default_policy)), "initial", -1};
    return 0.0;
  }
  const Window previous = m_windows.at(w - 1);
  if (previous.event == "rewritten" && m_windows.count(w - 2)) {
    auto now = reward(w - 1), before = reward(w - 2);
    if (now && before && *now < *before) {
      const Window& restored = m_windows.at(w - 2);
      hooks.note(fmt::format("{}: policy v{} did worse than v{} ({} against {} improvements per experiment); "
                             "rolled back to v{} from #{}",
                             m_target.name, previous.version, restored.version, reward_text(now),
                             reward_text(before), restored.version, id));
      m_windows[w] = Window{restored.version, restored.digest, "rolled_back", previous.version};
      return 0.0;
    }
  }
  PlannedNode call = rewrite_call(id, text_of(previous), previous.version);
  auto done = run_call(call, store, hooks, fmt::format("{}: policy not rewritten before #{}", m_target.name, id));
  if (!done)
    return std::unexpected(done.error());
  std::string text = done->reply ? trimmed(*done->reply).substr(0, k_max_policy) : "";
  if (text.empty()) {
    m_windows[w] = Window{previous.version, previous.digest, "kept", previous.version};
    return done->cost_usd();
  }
  m_windows[w] = Window{m_next_version++, keep(text), "rewritten", previous.version};
  hooks.note(fmt::format("{}: policy v{} written by {} for #{}–#{}", m_target.name, m_windows[w].version,
                         m_target.policy->agent.name, id, id + m_target.policy->every - 1));
  return done->cost_usd();
}

std::optional<std::string> PolicyVersions::text() const {
  if (!m_target.policy)
    return std::nullopt;
  auto it = m_windows.find(m_current);
  return it == m_windows.end() ? std::string(k_default_policy) : text_of(it->second);
}

std::string PolicyVersions::label() const {
  auto it = m_windows.find(m_current);
  return fmt::format("policy v{}", it == m_windows.end() ? 0 : it->second.version);
}

void PolicyVersions::stamp(nlohmann::json& record) const {
  int id = record.value("id", 0);
  if (!m_target.policy || id <= 0)
    return;
  auto it = m_windows.find(window_of(id));
  if (it == m_windows.end())
    return;
  const Window& w = it->second;
  record["policy"] = {{"version", w.version}, {"digest", w.digest}, {"window", it->first}, {"event", w.event}};
  if (w.from >= 0)
    record["policy"]["from"] = w.from;
}

}  // namespace anneal::graph
