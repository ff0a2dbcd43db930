#include "nodes/node.h"

#include <fmt/format.h>

#include "llm/spend_log.h"
#include "nodes/decide_node.h"
#include "nodes/evaluate.h"
#include "nodes/judge_node.h"
#include "nodes/llm_node.h"
#include "nodes/mutate.h"

namespace anneal::nodes {

std::optional<NodeResult> cached_result(const cache::LocalStore& store, const cache::Digest& key,
                                        cache::Lookup lookup) {
  auto payload = store.get_action(key, lookup);
  if (!payload)
    return std::nullopt;
  auto result = NodeResult::parse(*payload);
  if (!result || result->unfinished)
    return std::nullopt;
  return std::move(*result);
}

std::optional<NodeResult> latest_result(const cache::LocalStore& store, const cache::Digest& key,
                                        cache::Lookup lookup) {
  if (auto cached = cached_result(store, key, lookup))
    return cached;
  auto payload = store.get_attempt(key);
  if (!payload)
    return std::nullopt;
  auto result = NodeResult::parse(*payload);
  if (!result)
    return std::nullopt;
  result->unfinished = true;
  return std::move(*result);
}

bool unfinished_run(const proc::RunResult& run) {
  return run.timed_out || run.signal != 0 || run.exit_code == 126 || run.exit_code == 127;
}

Result<void> attach_blob(NodeContext& context, NodeResult& result, const std::string& name,
                         std::string_view bytes) {
  if (bytes.empty()) {
    result.blobs.erase(name);
    return {};
  }
  auto digest = context.store->put_blob(bytes);
  if (!digest)
    return std::unexpected(digest.error());
  result.blobs[name] = digest->hex();
  return {};
}

Result<void> charge_spend(const NodeContext& context, const std::string& target, double usd,
                          const std::string& what) {
  return llm::SpendLog(context.anneal_dir / "targets" / target / "spend.jsonl").charge(usd, what);
}

std::string tail_lines(std::string_view text, size_t max_lines) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.remove_suffix(1);
  size_t pos = text.size();
  for (size_t lines = 0; lines < max_lines && pos > 0; ++lines) {
    size_t nl = text.rfind('\n', pos - 1);
    pos = nl == std::string_view::npos ? 0 : nl;
  }
  std::string_view tail = text.substr(pos);
  if (!tail.empty() && tail.front() == '\n')
    tail.remove_prefix(1);
  return std::string(tail);
}

Result<NodeResult> execute_node(NodeContext& context, const NodeSpec& spec) {
  Result<NodeResult> result = fail("");
  try {
    std::string kind = spec.kind();
    if (kind == "mutate")
      result = execute_mutate(context, spec);
    else if (kind == "verify")
      result = execute_verify(context, spec);
    else if (kind == "stage")
      result = execute_stage(context, spec);
    else if (kind == "judge")
      result = execute_judge(context, spec);
    else if (kind == "llm")
      result = execute_llm(context, spec);
    else if (kind == "decide")
      result = execute_decide(context, spec);
    else
      return fail(fmt::format("node {}: unknown kind '{}'", spec.key.hex(), kind));
  } catch (const nlohmann::json::exception& e) {
    return fail(fmt::format("node {}: malformed spec: {}", spec.key.hex(), e.what()));
  }
  if (!result)
    return fail(fmt::format("{} (node {}): {}", describe_spec(spec.json), spec.key.hex(),
                            result.error().message));
  auto stored = result->unfinished ? context.store->put_attempt(spec.key, result->serialize())
                                   : context.store->put_action(spec.key, result->serialize());
  if (!stored)
    return std::unexpected(stored.error());
  return result;
}

}  // namespace anneal::nodes
