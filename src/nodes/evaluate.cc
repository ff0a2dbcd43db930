#include "nodes/evaluate.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "nodes/candidate.h"
#include "nodes/command_containment.h"
#include "nodes/live_output.h"
#include "proc/subprocess.h"

namespace anneal::nodes {

namespace {

Result<proc::RunOptions> command_options(NodeContext& context, const nlohmann::json& spec,
                                         const std::filesystem::path& worktree) {
  proc::RunOptions options;
  options.command = spec.at("run").get<std::string>();
  options.cwd = worktree;
  options.timeout_s = spec.value("timeout", 0.0);
  options.should_abort = context.should_abort;
  options.env = {{"ANNEAL_TARGET", spec.at("target").get<std::string>()}};
  if (auto contained = contain_command(context, spec, CommandRole::Check, {worktree, {}, {}}, options); !contained)
    return std::unexpected(contained.error());
  stream_output(context, options);
  return options;
}

/// Runs the spec's command (or `command` instead, with `stdin_data`) in the worktree.
Result<proc::RunResult> run_command(NodeContext& context, const nlohmann::json& spec,
                                    const std::filesystem::path& worktree,
                                    std::optional<std::string> command = std::nullopt,
                                    std::optional<std::string> stdin_data = std::nullopt) {
  auto options = command_options(context, spec, worktree);
  if (!options)
    return std::unexpected(options.error());
  if (command)
    options->command = std::move(*command);
  options->stdin_data = std::move(stdin_data);
  return proc::run(*options);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Result<PreparedCandidate> prepare_candidate(NodeContext& context, const nlohmann::json& spec) {
  PreparedCandidate prepared;
  // Skipped after an unfinished node is unfinished too: once that node has run, this one runs.
  auto skip = [&](std::string detail, bool unfinished) {
    NodeResult r;
    r.outcome = Outcome::Skipped;
    r.detail = std::move(detail);
    r.unfinished = unfinished;
    prepared.skipped = std::move(r);
    return prepared;
  };
  auto candidate = resolve_candidate(context, spec.at("candidate"));
  if (!candidate)
    return std::unexpected(candidate.error());
  if (candidate->mutation && !candidate->mutation->ok())
    return skip(fmt::format("the mutation was {}", outcome_name(candidate->mutation->outcome)),
                candidate->mutation->unfinished);
  for (const auto& key_hex : spec.value("after", std::vector<std::string>{})) {
    auto key = cache::Digest::from_hex(key_hex);
    auto upstream = key ? latest_result(*context.store, *key) : std::nullopt;
    if (!upstream)
      return fail(fmt::format("upstream node {} has no result", key_hex));
    if (!upstream->ok())
      return skip(fmt::format("an earlier check was {}", outcome_name(upstream->outcome)), upstream->unfinished);
  }
  auto worktree = ensure_worktree(context, spec.at("target").get<std::string>(), *candidate);
  if (!worktree)
    return std::unexpected(worktree.error());
  prepared.worktree = *worktree;
  return prepared;
}

std::optional<double> last_number(std::string_view output) {
  std::optional<double> found;
  size_t i = 0;
  while (i < output.size()) {
    while (i < output.size() && std::isspace(static_cast<unsigned char>(output[i])))
      ++i;
    size_t start = i;
    while (i < output.size() && !std::isspace(static_cast<unsigned char>(output[i])))
      ++i;
    if (start == i)
      break;
    std::string token(output.substr(start, i - start));
    // Sentence punctuation after a number ("93.5%.", "41.2ms,") is not part of it.
    while (!token.empty() && std::strchr(".,;:!?)]}\"'", token.back()))
      token.pop_back();
    size_t digits = token.find_first_not_of("+-");
    if (token.empty() || digits == std::string::npos || !(std::isdigit(static_cast<unsigned char>(token[digits])) ||
                                                          token[digits] == '.'))
      continue;
    if (token.find_first_of("xX") != std::string::npos && token.find_first_of("xX") < 3)
      continue;  // hexadecimal ("0xdeadbeef") is an id, not a score
    char* end = nullptr;
    double value = std::strtod(token.c_str(), &end);
    if (end != token.c_str() && std::isfinite(value) &&
        std::all_of(static_cast<const char*>(end), token.c_str() + token.size(),
                    [](char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '%'; }))
      found = value;
  }
  return found;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

bool satisfies(double value, std::string_view op, double bound) {
  if (op == "<") return value < bound;
  if (op == "<=") return value <= bound;
  if (op == ">") return value > bound;
  if (op == ">=") return value >= bound;
  if (op == "==") return value == bound;
  if (op == "!=") return value != bound;
  return false;
}

Result<NodeResult> execute_verify(NodeContext& context, const NodeSpec& spec) {
  auto start = std::chrono::steady_clock::now();
  auto prepared = prepare_candidate(context, spec.json);
  if (!prepared)
    return std::unexpected(prepared.error());
  if (prepared->skipped)
    return *prepared->skipped;
  auto run = run_command(context, spec.json, prepared->worktree);
  if (!run)
    return std::unexpected(run.error());
  if (run->aborted)
    return fail("interrupted");
  NodeResult result;
  if (auto a = attach_blob(context, result, "stdout", run->out); !a)
    return std::unexpected(a.error());
  if (auto a = attach_blob(context, result, "stderr", run->err); !a)
    return std::unexpected(a.error());
  if (run->signal == 0 && !run->timed_out)
    result.exit_code = run->exit_code;
  if (!run->ok()) {
    // A gate's exit status is its verdict on the candidate, unless the gate never got to say.
    result.unfinished = unfinished_run(*run);
    result.outcome = result.unfinished ? Outcome::Crashed : Outcome::Failed;
    result.detail = fmt::format("gate {}: {}", spec.json.at("name").get<std::string>(), run->describe());
    std::string tail = tail_lines(run->err.empty() ? run->out : run->err, 5);
    if (!tail.empty())
      result.detail += "\n" + tail;
  }
  result.duration_s = seconds_since(start);
  return result;
}

Result<NodeResult> execute_stage(NodeContext& context, const NodeSpec& spec) {
  const auto& j = spec.json;
  auto start = std::chrono::steady_clock::now();
  auto prepared = prepare_candidate(context, j);
  if (!prepared)
    return std::unexpected(prepared.error());
  if (prepared->skipped)
    return *prepared->skipped;
  std::string name = j.at("name").get<std::string>();
  std::string parse = j.value("parse", "");
  int repeat = std::max(1, j.value("repeat", 1));
  bool scored = j.value("scored", false);
  NodeResult result;
  std::string all_out, all_err;
  auto finish = [&](Outcome outcome, std::string detail) -> Result<NodeResult> {
    if (auto a = attach_blob(context, result, "stdout", all_out); !a)
      return std::unexpected(a.error());
    if (auto a = attach_blob(context, result, "stderr", all_err); !a)
      return std::unexpected(a.error());
    result.outcome = outcome;
    result.detail = std::move(detail);
    result.duration_s = seconds_since(start);
    return result;
  };
  for (int i = 0; i < repeat; ++i) {
    if (context.on_step && repeat > 1)
      context.on_step(i + 1, repeat);
    auto run = run_command(context, j, prepared->worktree);
    if (!run)
      return std::unexpected(run.error());
    if (run->aborted)
      return fail("interrupted");
    all_out += run->out;
    all_err += run->err;
    if (run->signal == 0 && !run->timed_out)
      result.exit_code = run->exit_code;
    if (!run->ok()) {
      std::string tail = tail_lines(run->err.empty() ? run->out : run->err, 5);
      result.unfinished = unfinished_run(*run);
      return finish(result.unfinished ? Outcome::Crashed : Outcome::Failed,
                    fmt::format("stage {}: {}{}{}", name, run->describe(), tail.empty() ? "" : "\n", tail));
    }
    std::string printed = run->out;
    if (!parse.empty()) {
      auto parsed = run_command(context, j, prepared->worktree, parse, run->out);
      if (!parsed)
        return std::unexpected(parsed.error());
      if (parsed->aborted)
        return fail("interrupted");
      if (!parsed->ok()) {
        result.unfinished = unfinished_run(*parsed);
        return finish(Outcome::Crashed, fmt::format("stage {}: parse command: {}", name, parsed->describe()));
      }
      printed = parsed->out;
    }
    auto value = last_number(printed);
    if (!value) {
      if (!scored)
        continue;
      return finish(Outcome::Crashed,
                    fmt::format("stage {}: {} printed no number (output ends: {})", name,
                                parse.empty() ? "the command" : "the parse command",
                                tail_lines(printed, 1)));
    }
    result.samples.push_back(*value);
  }
  if (!result.samples.empty())
    result.score = median(result.samples);
  if (j.contains("keep_if") && !j.at("keep_if").is_null() && result.score) {
    std::string op = j.at("keep_if").at("op").get<std::string>();
    double bound = j.at("keep_if").at("value").get<double>();
    if (!satisfies(*result.score, op, bound))
      return finish(Outcome::Rejected,
                    fmt::format("stage {}: {} fails keep_if {} {}", name, *result.score, op, bound));
  }
  return finish(Outcome::Ok, "");
}

}  // namespace anneal::nodes
