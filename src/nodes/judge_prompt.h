// What a judge is asked and how its answer is read: the contract (system text), the prompt of
// one vote with the criteria in that vote's order, and the reply parsed back into per-criterion
// YES/NO in the Annealfile's order.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace anneal::nodes {

/// The system text of every judge call: how to read the prompt and how to answer.
extern const std::string_view k_judge_contract;

/// One criterion's answer in one reply.
enum class Answer { missing, yes, no };

/// "YES", "NO" or "missing".
std::string_view answer_name(Answer answer);

/// The order vote `vote` lists `count` criteria in: entry i is the Annealfile index (0-based)
/// of the criterion shown as number i + 1. Forward on even votes, reversed on odd ones, so a
/// judge that favours a position cannot favour a criterion.
std::vector<int> vote_order(int count, int vote);

/// What a vote judges: the artifact itself, or the output generated for the sample.
enum class Judged { artifact, output };

/// The prompt of one vote: the sample, then the judged text, then the criteria numbered 1..K
/// in `order` (indices into `criteria`), then the answer format.
std::string judge_prompt(std::string_view sample, std::string_view judged_text, Judged what,
                         std::span<const std::string> criteria, std::span<const int> order);

/// Reads a reply to a prompt made with `order`: one answer per criterion, in the Annealfile's
/// order. Lines `N: YES` / `N: NO` count; case, markdown emphasis (`**1: YES**`), list markers
/// and the separators `:`, `.`, `)` and `-` are tolerated, as are other lines around them. A
/// criterion answered both YES and NO, or not at all, or numbered outside 1..K, is missing.
std::vector<Answer> parse_judge_reply(std::string_view reply, std::span<const int> order);

/// True when no answer is missing.
bool complete(std::span<const Answer> answers);

}  // namespace anneal::nodes
