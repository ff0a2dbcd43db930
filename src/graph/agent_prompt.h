#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "graph/annealfile.h"
#include "graph/experiment_plan.h"
#include "util/error.h"

namespace anneal::graph {

/// Everything an agent is told about one draft of one experiment.
struct PromptInput {
  int experiment = 0;
  SearchPosition position;
  /// The latest ledger records, oldest first: hypothesis, outcome, scores per stage, why it
  /// failed (a gate's stderr, scope violations, edit blocks that did not apply).
  std::vector<nlohmann::json> recent;
  std::optional<std::string> instructions;  ///< the target's instructions file
  /// With `policy:`, the current version of the mutation instructions and its label
  /// ("policy v2"), graph/policy_version.h.
  std::optional<std::string> policy;
  std::string policy_label;
  std::vector<std::string> similar;  ///< past attempts like the recent ones, best match first
  std::string learnings;             ///< this target's consolidated learnings
  std::vector<std::string> pooled;   ///< lessons from other targets, best first
  /// Api agents: the editable files as they are at the draft's parent, path → content.
  std::vector<std::pair<std::string, std::string>> files;
  bool restart = false;  ///< the draft starts from the baseline, not the incumbent
  std::string parent;    ///< the commit the draft starts from (empty: the incumbent)
  /// A candidate a draft is built from: its hypothesis and its changes since the baseline.
  struct Parent {
    std::string commit;
    std::string hypothesis;
    std::string diff;
  };
  /// Crossover: the two parents to combine; the draft starts at the first. Empty otherwise.
  std::vector<Parent> crossover;
};

/// The prompt a command agent finds in ANNEAL_PROMPT_FILE: the target, its objective and
/// scope, the scores so far, the instructions and what past experiments tried and how they
/// ended, so the agent does not repeat itself. It reads the files itself.
std::string agent_prompt(const Target& target, const PromptInput& input);

/// The prompt of an api agent: the same, plus the files, within `max_context_tokens`
/// (estimated; the system prompt included). History goes first when it does not fit: the
/// least similar past attempts, then other targets' lessons, then the oldest recent
/// experiments, then the learnings. Fails when even the files and instructions alone do not
/// fit, saying by how much.
Result<std::string> api_prompt(const Target& target, const PromptInput& input, size_t max_context_tokens);

/// Tokens `text` takes, estimated at four bytes a token (close for English and code with
/// the providers' tokenizers, and never a gross underestimate for ASCII).
size_t estimate_tokens(std::string_view text);

/// The system prompt of every mutation call: how to reply.
extern const std::string_view k_edit_reply_contract;

}  // namespace anneal::graph
