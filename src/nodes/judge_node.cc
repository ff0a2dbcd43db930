#include "nodes/judge_node.h"

#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "nodes/command_containment.h"
#include "nodes/evaluate.h"
#include "nodes/judge_prompt.h"
#include "nodes/live_output.h"
#include "nodes/judge_votes.h"
#include "proc/subprocess.h"
#include "util/file.h"
#include "util/json_text.h"
#include "util/random.h"

namespace anneal::nodes {

namespace fs = std::filesystem;

namespace {

/// Mixed with the vote index into the seed of a judge whose agent sets none.
constexpr uint64_t k_vote_seed_base = 0x6a75646765;  // "judge"

/// An llm call made on the judge's behalf, with its reply text.
struct Call {
  NodeSpec spec;
  NodeResult result;
  std::string reply;
  bool sent = false;  ///< false: answered from the cache
};

/// A temporary file holding a sample's text for a generate command; removed with the object.
class SampleFile {
 public:
  SampleFile() = default;
  SampleFile(const SampleFile&) = delete;
  SampleFile& operator=(const SampleFile&) = delete;
  ~SampleFile() {
    if (!m_path.empty()) {
      std::error_code ec;
      fs::remove(m_path, ec);
    }
  }

  Result<void> write(std::string_view text) {
    std::string pattern = (fs::temp_directory_path() / "anneal-sample-XXXXXX").string();
    int fd = ::mkstemp(pattern.data());
    if (fd < 0)
      return fail(fmt::format("cannot create a temporary file for the sample under {}",
                              fs::temp_directory_path().string()));
    ::close(fd);
    m_path = pattern;
    return write_file_atomic(m_path, text, Durability::Unsynced);
  }
  const fs::path& path() const { return m_path; }

 private:
  fs::path m_path;
};

/// The state of one judge execution: the calls it made and what they cost.
class Judging {
 public:
  Judging(NodeContext& context, const nlohmann::json& spec)
      : m_context(context), m_sample(spec.at("sample").at("name").get<std::string>()) {}

  /// Answers `fields` from the cache, or sends it (a cached call that crashed is sent again:
  /// an outage is not an answer). Records the call in the transcript.
  Result<Call> call(nlohmann::json fields, nlohmann::json about) {
    Call call{make_spec(std::move(fields)), {}, {}, false};
    auto cached = m_context.fresh ? std::nullopt : cached_result(*m_context.store, call.spec.key);
    if (cached && cached->ok()) {
      call.result = std::move(*cached);
    } else {
      if (m_context.save_spec)
        if (auto saved = m_context.save_spec(call.spec); !saved)
          return std::unexpected(saved.error());
      auto executed = execute_node(m_context, call.spec);
      if (!executed)
        return std::unexpected(executed.error());
      call.result = std::move(*executed);
      call.sent = true;
      ++m_calls_sent;
      m_cost_usd += call.result.cost_usd;
    }
    if (auto it = call.result.blobs.find("reply"); call.result.ok() && it != call.result.blobs.end()) {
      auto digest = cache::Digest::from_hex(it->second);
      auto blob = digest ? m_context.store->get_blob(*digest) : std::nullopt;
      if (!blob)
        return fail(fmt::format("the reply of llm call {} is missing from the cache", call.spec.key.hex()));
      call.reply = std::move(*blob);
    }
    about["key"] = call.spec.key.hex();
    about["purpose"] = call.spec.json.at("purpose");
    about["cached"] = !call.sent;
    about["prompt"] = call.spec.json.at("prompt");
    about["reply"] = call.result.ok() ? nlohmann::json(call.reply) : nlohmann::json(nullptr);
    if (!call.result.ok())
      about["error"] = call.result.detail;
    m_transcript.push_back(std::move(about));
    return call;
  }

  /// Records the answers read from the last call's reply.
  void parsed(const std::vector<Answer>& answers) {
    nlohmann::json list = nlohmann::json::array();
    for (Answer answer : answers)
      list.push_back(answer == Answer::missing ? nlohmann::json(nullptr)
                                               : nlohmann::json(answer_name(answer)));
    m_transcript.back()["answers"] = std::move(list);
  }

  /// Attaches the transcript and charges what was spent; `result` is returned.
  Result<NodeResult> finish(NodeResult result, std::chrono::steady_clock::time_point started) {
    if (auto a = attach_blob(m_context, result, "transcript", dump_json(m_transcript, 2)); !a)
      return std::unexpected(a.error());
    result.cost_usd = m_cost_usd;
    result.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
  }

  const std::string& sample() const { return m_sample; }
  int calls_sent() const { return m_calls_sent; }

 private:
  NodeContext& m_context;
  std::string m_sample;
  nlohmann::json m_transcript = nlohmann::json::array();
  int m_calls_sent = 0;
  double m_cost_usd = 0;
};

/// The text a judge reads from the artifact files.
struct ArtifactText {
  std::string text;     ///< one file as it is; several each after a line `--- PATH ---`
  std::string missing;  ///< the first file the candidate lacks, if any
};

ArtifactText read_artifact(const fs::path& worktree, const nlohmann::json& paths) {
  ArtifactText artifact;
  for (const auto& entry : paths) {
    std::string path = entry.get<std::string>();
    auto contents = read_file_if_exists(worktree / path);
    if (!contents) {
      artifact.missing = path;
      return artifact;
    }
    if (paths.size() == 1) {
      artifact.text = std::move(*contents);
      return artifact;
    }
    if (!artifact.text.empty() && artifact.text.back() != '\n')
      artifact.text += '\n';
    artifact.text += fmt::format("--- {} ---\n{}", path, *contents);
  }
  return artifact;
}

/// What a generation produced: the output, or why there is none.
struct Generated {
  std::string output;
  std::string failure;
  bool unfinished = false;  ///< the failure says nothing about the candidate (node_result.h)
};

/// The output for the sample: from an llm whose system text is the artifact, or from a
/// command that reads the sample from the file ANNEAL_SAMPLE.
Result<Generated> generate_output(NodeContext& context, Judging& judging, const nlohmann::json& spec,
                                  const std::string& artifact, const fs::path& worktree) {
  const auto& generate = spec.at("generate");
  const std::string sample_text = spec.at("sample").at("text").get<std::string>();
  Generated generated;
  if (generate.contains("llm")) {
    nlohmann::json fields = generate.at("llm");
    fields["purpose"] = "generate";
    fields["system"] = artifact;
    fields["prompt"] = sample_text;
    auto call = judging.call(std::move(fields), nlohmann::json::object());
    if (!call)
      return std::unexpected(call.error());
    if (!call->result.ok()) {
      generated.failure =
          fmt::format("generate call for sample {}: {}", judging.sample(), call->result.detail);
      generated.unfinished = call->result.unfinished;
    }
    generated.output = std::move(call->reply);
    return generated;
  }
  SampleFile file;
  if (auto written = file.write(sample_text); !written)
    return std::unexpected(written.error());
  proc::RunOptions options;
  options.command = generate.at("run").get<std::string>();
  options.cwd = worktree;
  options.timeout_s = generate.value("timeout", 0.0);
  options.should_abort = context.should_abort;
  options.env = {{"ANNEAL_SAMPLE", file.path().string()},
                 {"ANNEAL_SAMPLE_NAME", judging.sample()},
                 {"ANNEAL_TARGET", spec.at("target").get<std::string>()}};
  if (auto contained = contain_command(context, generate, CommandRole::Check, {worktree, {}, {file.path()}}, options);
      !contained)
    return std::unexpected(contained.error());
  stream_output(context, options);
  auto run = proc::run(options);
  if (!run)
    return std::unexpected(run.error());
  if (run->aborted)
    return fail("interrupted");
  if (!run->ok()) {
    std::string tail = tail_lines(run->err.empty() ? run->out : run->err, 5);
    generated.failure = fmt::format("generate command for sample {}: {}{}{}", judging.sample(),
                                    run->describe(), tail.empty() ? "" : "\n", tail);
    generated.unfinished = unfinished_run(*run);
  }
  generated.output = std::move(run->out);
  return generated;
}

/// The seed of vote `vote`: derived from the vote and the agent's own seed when it sets one
/// (one seed for every vote would make a deterministic provider repeat itself).
int64_t vote_seed(const nlohmann::json& judge, int vote) {
  uint64_t base = k_vote_seed_base;
  if (judge.contains("seed") && !judge.at("seed").is_null())
    base = mix_seed(base, static_cast<uint64_t>(judge.at("seed").get<int64_t>()));
  return static_cast<int64_t>(mix_seed(base, static_cast<uint64_t>(vote)) >> 33);
}

}  // namespace

Result<NodeResult> execute_judge(NodeContext& context, const NodeSpec& spec) {
  const auto& j = spec.json;
  auto started = std::chrono::steady_clock::now();
  auto prepared = prepare_candidate(context, j);
  if (!prepared)
    return std::unexpected(prepared.error());
  if (prepared->skipped)
    return *prepared->skipped;
  auto method = judge_method_from_name(j.at("method").get<std::string>());
  if (!method)
    return fail(fmt::format("unknown judge method '{}'", j.at("method").get<std::string>()));
  const auto criteria = j.at("criteria").get<std::vector<std::string>>();
  const int votes = std::max(1, j.at("votes").get<int>());
  const std::string sample_text = j.at("sample").at("text").get<std::string>();
  Judging judging(context, j);
  NodeResult result;
  auto crash = [&](std::string detail, bool unfinished = false) {
    result.outcome = Outcome::Crashed;
    result.detail = std::move(detail);
    result.unfinished = unfinished;
    return judging.finish(std::move(result), started);
  };

  ArtifactText artifact = read_artifact(prepared->worktree, j.at("artifact"));
  if (!artifact.missing.empty())
    return crash(fmt::format("the artifact {} is not in the candidate", artifact.missing));
  std::string judged = artifact.text;
  Judged what = Judged::artifact;
  if (j.contains("generate") && j.at("generate").is_object()) {
    auto generated = generate_output(context, judging, j, artifact.text, prepared->worktree);
    if (!generated)
      return std::unexpected(generated.error());
    if (auto a = attach_blob(context, result, "output", generated->output); !a)
      return std::unexpected(a.error());
    if (!generated->failure.empty())
      return crash(std::move(generated->failure), generated->unfinished);
    judged = std::move(generated->output);
    what = Judged::output;
  }

  std::vector<CriterionTally> tallies(criteria.size());
  int used = 0;
  for (int vote = 0; vote < votes; ++vote) {
    if (*method == JudgeMethod::bradley_terry && vote > 0 && all_settled(tallies))
      break;
    std::vector<int> order = vote_order(static_cast<int>(criteria.size()), vote);
    nlohmann::json fields = j.at("judge");
    fields["purpose"] = "judge";
    fields["system"] = std::string(k_judge_contract);
    fields["prompt"] = judge_prompt(sample_text, judged, what, criteria, order);
    fields["vote"] = vote;
    fields["seed"] = vote_seed(j.at("judge"), vote);
    std::vector<Answer> answers(criteria.size(), Answer::missing);
    for (int retry = 0; retry <= 1; ++retry) {
      if (retry > 0) {
        // Asked again with another seed: a provider that honours seeds would repeat itself.
        fields["retry"] = retry;
        fields["seed"] = static_cast<int64_t>(mix_seed(static_cast<uint64_t>(fields["seed"].get<int64_t>()),
                                                       static_cast<uint64_t>(retry)) >> 33);
      }
      auto call = judging.call(fields, {{"vote", vote}, {"order", order}, {"retry", retry}});
      if (!call)
        return std::unexpected(call.error());
      if (!call->result.ok())
        return crash(fmt::format("judge call for sample {}, vote {}: {}", judging.sample(), vote,
                                 call->result.detail),
                     call->result.unfinished);
      auto parsed = parse_judge_reply(call->reply, order);
      judging.parsed(parsed);
      // The retry only fills in what the first reply left unanswered.
      for (size_t i = 0; i < answers.size(); ++i)
        if (answers[i] == Answer::missing)
          answers[i] = parsed[i];
      if (complete(answers))
        break;
    }
    for (size_t i = 0; i < answers.size(); ++i) {
      if (answers[i] == Answer::yes)
        ++tallies[i].yes;
      else if (answers[i] == Answer::no)
        ++tallies[i].no;
      else
        ++tallies[i].missing;
    }
    ++used;
  }

  nlohmann::json per_criterion = nlohmann::json::array();
  for (const auto& tally : tallies)
    per_criterion.push_back({{"yes", tally.yes},
                             {"no", tally.no},
                             {"missing", tally.missing},
                             {"rate", pass_rate(tally, *method)},
                             {"passed", passed(tally, *method)}});
  result.outcome = Outcome::Ok;
  result.score = sample_score(tallies, *method);
  result.judgement = {{"set", j.at("set")},
                      {"sample", judging.sample()},
                      {"content", cache::digest_of(judged).hex()},
                      {"criteria", std::move(per_criterion)},
                      {"votes", used},
                      {"votes_saved", votes - used},
                      {"calls", judging.calls_sent()}};
  return judging.finish(std::move(result), started);
}

}  // namespace anneal::nodes
