#include "knowledge/learning_pool.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "knowledge/tfidf_index.h"
#include "util/file.h"
#include "util/json_text.h"
#include "util/locked_lines.h"
#include "util/user_config_dir.h"

namespace anneal::knowledge {

namespace {

constexpr int k_format_version = 1;

std::string string_field(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

/// The learnings in `contents`, in file order, leaving out lines that are not whole records.
std::vector<Learning> parse_learnings(std::string_view contents) {
  std::vector<Learning> learnings;
  while (!contents.empty()) {
    size_t end = contents.find('\n');
    std::string_view line = contents.substr(0, end);
    contents.remove_prefix(end == std::string_view::npos ? contents.size() : end + 1);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos)
      continue;
    nlohmann::json record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!record.is_object())
      continue;
    auto text = record.find("text");
    if (text == record.end() || !text->is_string())
      continue;
    learnings.push_back(Learning{string_field(record, "domain"), string_field(record, "source"),
                                 text->get<std::string>(), string_field(record, "time")});
  }
  return learnings;
}

}  // namespace

LearningPool LearningPool::for_user() {
  return LearningPool(user_config_dir() / "learnings.jsonl");
}

Result<void> LearningPool::add(const Learning& learning) {
  nlohmann::json record = {{"v", k_format_version},
                           {"domain", learning.domain},
                           {"source", learning.source},
                           {"text", learning.text},
                           {"time", learning.time}};
  return append_line_locked(m_file, dump_json(record));  // dump escapes newlines: one record, one line
}

Result<std::vector<PooledLearning>> LearningPool::relevant(std::string_view domain, std::string_view query,
                                                           size_t k, double domain_penalty) const {
  return ranked(domain, k, domain_penalty, [&](const std::vector<Learning>& learnings) -> Result<std::vector<Match>> {
    TfIdfIndex index;
    for (const Learning& learning : learnings)
      index.add(learning.text);
    return index.query(query, learnings.size());
  });
}

Result<std::vector<PooledLearning>> LearningPool::relevant(const Embed& embed, std::string_view domain,
                                                           std::string_view query, size_t k,
                                                           double domain_penalty) const {
  return ranked(domain, k, domain_penalty, [&](const std::vector<Learning>& learnings) {
    std::vector<std::string> texts;
    for (const Learning& learning : learnings)
      texts.push_back(learning.text);
    return nearest_by_embedding(embed, query, texts, texts.size());
  });
}

Result<std::vector<PooledLearning>> LearningPool::ranked(
    std::string_view domain, size_t k, double domain_penalty,
    const std::function<Result<std::vector<Match>>(const std::vector<Learning>&)>& rank) const {
  std::vector<PooledLearning> found;
  if (k == 0)
    return found;
  auto contents = read_locked(m_file);
  if (!contents)
    return std::unexpected(contents.error());
  if (!*contents)
    return found;  // nothing learned yet on this machine
  std::vector<Learning> learnings = parse_learnings(**contents);
  if (learnings.empty())
    return found;
  auto matches = rank(learnings);
  if (!matches)
    return std::unexpected(matches.error());
  double penalty = std::max(domain_penalty, 0.0);
  for (const Match& match : *matches) {
    const Learning& learning = learnings[match.id];
    bool same_domain = learning.domain == domain;
    double score = match.score * (same_domain ? 1.0 : penalty);
    if (score > 0)
      found.push_back(PooledLearning{learning, score, match.score, same_domain});
  }
  // Best first; among equals, the earlier line (the ranking already returned them that way).
  std::stable_sort(found.begin(), found.end(),
                   [](const PooledLearning& a, const PooledLearning& b) { return a.score > b.score; });
  if (found.size() > k)
    found.resize(k);
  return found;
}

std::string format_pooled(const PooledLearning& pooled, std::string_view domain, double domain_penalty) {
  const Learning& l = pooled.learning;
  size_t slash = l.source.find('/');
  std::string origin = slash == std::string::npos || slash == 0 || slash + 1 == l.source.size()
                           ? fmt::format("from `{}`", l.source)
                           : fmt::format("from target `{}` of project `{}`", l.source.substr(slash + 1),
                                         l.source.substr(0, slash));
  std::string where = pooled.same_domain
                          ? fmt::format("domain {}", l.domain.empty() ? "unnamed" : l.domain)
                          : fmt::format("domain {}, not {}: weighted ×{:g}", l.domain.empty() ? "unnamed" : l.domain,
                                        domain, std::max(domain_penalty, 0.0));
  return fmt::format("- {} ({}): {}", origin, where, l.text);
}

}  // namespace anneal::knowledge
