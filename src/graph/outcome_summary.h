// How the meta-optimisers (the policy agent, plateau rewriting) read past experiments: which
// made a new best, one line for each in their prompts, and the digest texts are kept under.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace anneal::graph {

/// Whether a ledger record's experiment made a new best: an improvement.
bool improved_best(const nlohmann::json& record);

/// One experiment as a meta-optimiser's prompt shows it: "- #4 discarded (score 11), failed:
/// regression; hypothesis: …".
std::string outcome_line(const nlohmann::json& record);

/// The digest a policy or instructions text is kept under: 32 hex digits.
std::string text_digest(std::string_view text);

}  // namespace anneal::graph
