#include "graph/draft_prompt.h"

#include <algorithm>

#include <fmt/format.h>

namespace anneal::graph {

Result<std::string> draft_prompt(const Target& target, const git::Repository& repo,
                                 const std::map<std::string, std::string>& hypotheses, const SearchPosition& position,
                                 int id, const DraftStart& start, const PromptInput& shared) {
  PromptInput input = shared;
  input.restart = start.restart;
  input.parent = start.parent;
  if (!start.second_parent.empty()) {
    for (const std::string& commit : {start.parent, start.second_parent}) {
      PromptInput::Parent parent{commit, "", ""};
      if (auto it = hypotheses.find(commit); it != hypotheses.end())
        parent.hypothesis = it->second;
      if (auto diff = repo.diff_patch(position.baseline, commit); diff) {
        constexpr size_t k_max_diff = 6000;  // a crossover prompt shows changes, not whole files
        parent.diff = diff->size() > k_max_diff ? diff->substr(0, k_max_diff) + "\n… (cut)\n" : *diff;
      }
      input.crossover.push_back(std::move(parent));
    }
  }
  if (target.agent.kind != AgentKind::Api)
    return agent_prompt(target, input);
  // The files the model may edit, as they are where the draft starts: the artifact and any
  // editable path that names a file rather than a pattern.
  std::vector<std::string> paths = target.artifact;
  for (const auto& editable : target.scope.editable)
    if (editable.find_first_of("*?[") == std::string::npos &&
        std::find(paths.begin(), paths.end(), editable) == paths.end())
      paths.push_back(editable);
  for (const auto& path : paths) {
    auto text = repo.read_file_at(start.parent, path);
    if (!text)
      return std::unexpected(text.error());
    if (*text)
      input.files.emplace_back(path, std::move(**text));
    else
      input.files.emplace_back(path + " (does not exist yet)", "");
  }
  auto text = api_prompt(target, input, target.agent.api.max_context_tokens);
  if (!text)
    return fail(fmt::format("experiment #{}: {}", id, text.error().message));
  return text;
}

}  // namespace anneal::graph
