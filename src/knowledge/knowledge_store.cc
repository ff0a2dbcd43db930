#include "knowledge/knowledge_store.h"

#include <algorithm>

#include <fmt/format.h>

namespace anneal::knowledge {

void KnowledgeStore::add(Attempt attempt) {
  m_index.add(attempt.hypothesis);
  m_attempts.push_back(std::move(attempt));
}

std::vector<const Attempt*> KnowledgeStore::similar(std::string_view query, size_t k,
                                                    const std::vector<int>& exclude) const {
  auto found = pick(k, exclude, [&](size_t asked) -> Result<std::vector<Match>> { return m_index.query(query, asked); });
  return found ? std::move(*found) : std::vector<const Attempt*>();  // TF-IDF cannot fail
}

Result<std::vector<const Attempt*>> KnowledgeStore::similar(const Embed& embed, std::string_view query, size_t k,
                                                            const std::vector<int>& exclude) const {
  if (k == 0)
    return std::vector<const Attempt*>();
  std::vector<std::string> hypotheses;
  for (const Attempt& attempt : m_attempts)
    hypotheses.push_back(attempt.hypothesis);
  // Every attempt is ranked at once (the vectors are cached), so exclusions cost nothing.
  auto ranked = nearest_by_embedding(embed, query, hypotheses, hypotheses.size());
  if (!ranked)
    return std::unexpected(ranked.error());
  return pick(k, exclude, [&](size_t) -> Result<std::vector<Match>> { return *ranked; });
}

Result<std::vector<const Attempt*>> KnowledgeStore::pick(
    size_t k, const std::vector<int>& exclude, const std::function<Result<std::vector<Match>>(size_t)>& rank) const {
  std::vector<const Attempt*> found;
  if (k == 0)
    return found;
  // Excluded attempts may take places in the top; ask for more until k remain or the ranking
  // has no further match.
  size_t asked = k + exclude.size();
  while (true) {
    found.clear();
    auto matches = rank(asked);
    if (!matches)
      return std::unexpected(matches.error());
    for (const Match& match : *matches) {
      const Attempt& attempt = m_attempts[match.id];
      if (std::find(exclude.begin(), exclude.end(), attempt.id) != exclude.end())
        continue;
      found.push_back(&attempt);
      if (found.size() == k)
        return found;
    }
    if (matches->size() < asked)
      return found;
    asked *= 2;
  }
}

namespace {

constexpr size_t k_max_text = 300;

/// `text` on one line (runs of whitespace become one space) and at most about k_max_text
/// bytes, cut at a UTF-8 character boundary and marked with "…".
std::string one_line(std::string_view text) {
  std::string line;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f') {
      space = !line.empty();
      continue;
    }
    if (space)
      line += ' ';
    space = false;
    line += c;
  }
  if (line.size() <= k_max_text)
    return line;
  size_t cut = k_max_text;
  while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80)
    --cut;  // do not split a multi-byte character
  line.resize(cut);
  while (!line.empty() && line.back() == ' ')
    line.pop_back();
  return line + "…";
}

}  // namespace

std::string format_attempts(const std::vector<const Attempt*>& attempts) {
  std::string out;
  for (const Attempt* attempt : attempts) {
    out += fmt::format("- #{} {}", attempt->id, attempt->outcome.empty() ? "unknown" : attempt->outcome);
    if (attempt->score && attempt->delta)
      out += fmt::format(" (score {:.6g}, Δ {:+.4g})", *attempt->score, *attempt->delta);
    else if (attempt->score)
      out += fmt::format(" (score {:.6g})", *attempt->score);
    else if (attempt->delta)
      out += fmt::format(" (Δ {:+.4g})", *attempt->delta);
    std::string hypothesis = one_line(attempt->hypothesis);
    out += ": " + (hypothesis.empty() ? std::string("(no hypothesis)") : hypothesis);
    std::string detail = one_line(attempt->detail);
    if (!detail.empty())
      out += " — why: " + detail;
    out += '\n';
  }
  return out;
}

}  // namespace anneal::knowledge
