#include "graph/ledger_chain.h"

#include <charconv>

#include <fmt/format.h>

#include "cache/digest.h"
#include "util/json_text.h"

namespace anneal::graph {

namespace {

constexpr std::string_view k_seq_field = "{\"seq\":";
constexpr std::string_view k_chain_field = ",\"chain\":\"";
constexpr size_t k_chain_digits = 32;

/// The chain of a line whose content (the line without its chain field) is `canonical`.
std::string chain_of(std::string_view previous_chain, std::string_view canonical) {
  return cache::digest_of(canonical, fmt::format("anneal ledger chain 2\n{}\n", previous_chain)).hex();
}

/// A chained line taken apart; nullopt for a line that is not in the chained layout.
struct Parsed {
  uint64_t seq = 0;
  std::string_view chain;
  std::string canonical;
};

bool lower_hex(std::string_view text) {
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  return true;
}

std::optional<Parsed> parse(std::string_view line) {
  if (!line.starts_with(k_seq_field))
    return std::nullopt;
  Parsed parsed;
  const char* digits = line.data() + k_seq_field.size();
  const char* end = line.data() + line.size();
  auto [after_seq, ec] = std::from_chars(digits, end, parsed.seq);
  if (ec != std::errc() || (*digits == '0' && after_seq - digits > 1))
    return std::nullopt;
  std::string_view rest(after_seq, static_cast<size_t>(end - after_seq));
  if (!rest.starts_with(k_chain_field) || rest.size() < k_chain_field.size() + k_chain_digits + 1)
    return std::nullopt;
  parsed.chain = rest.substr(k_chain_field.size(), k_chain_digits);
  std::string_view tail = rest.substr(k_chain_field.size() + k_chain_digits);
  if (!lower_hex(parsed.chain) || !tail.starts_with('"'))
    return std::nullopt;
  tail.remove_prefix(1);
  if (!(tail.starts_with(',') || tail == "}"))
    return std::nullopt;
  parsed.canonical.reserve(line.size());
  parsed.canonical.append(line.data(), static_cast<size_t>(after_seq - line.data()));
  parsed.canonical.append(tail);
  return parsed;
}

bool follows(const Parsed& line, const ChainLink& previous) {
  return line.seq == previous.seq + 1 && line.chain == chain_of(previous.chain, line.canonical);
}

}  // namespace

std::string chained_line(const nlohmann::json& record, const ChainLink& previous, ChainLink* next) {
  nlohmann::json fields = record;
  fields.erase("seq");
  fields.erase("chain");
  std::string body = dump_json(fields);
  std::string rest = body == "{}" ? "}" : "," + body.substr(1);
  uint64_t seq = previous.seq + 1;
  std::string head = fmt::format("{}{}", k_seq_field, seq);
  std::string chain = chain_of(previous.chain, head + rest);
  if (next)
    *next = ChainLink{seq, chain};
  return fmt::format("{}{}{}\"{}\n", head, k_chain_field, chain, rest);
}

ChainVerifier::Verdict ChainVerifier::next(std::string_view line, size_t line_number) {
  std::optional<Parsed> parsed = parse(line);
  std::optional<ChainLink> rejected = std::exchange(m_rejected, std::nullopt);
  if (!parsed) {
    if (m_believed_line == 0)
      return {};  // format 1, before the chain starts
    return {false, line.starts_with(k_seq_field)
                       ? "its seq and chain are not in the layout anneal writes: the line was edited; not believed"
                       : fmt::format("it has no seq and chain, which every record since line {} has: anneal did "
                                     "not write it; not believed",
                                     m_first_line)};
  }
  auto believe = [&](size_t line_no) {
    m_believed = ChainLink{parsed->seq, std::string(parsed->chain)};
    m_believed_line = line_no;
    if (m_first_line == 0)
      m_first_line = line_no;
    return Verdict{};
  };
  if (follows(*parsed, m_believed))
    return believe(line_number);
  if (rejected && rejected->seq > m_believed.seq && follows(*parsed, *rejected))
    return believe(line_number);  // the rejected line before it was genuine: it follows a gap or was edited
  m_rejected = ChainLink{parsed->seq, std::string(parsed->chain)};
  std::string after = m_believed_line == 0 ? "the start of the chain"
                                           : fmt::format("seq {} at line {}", m_believed.seq, m_believed_line);
  if (parsed->seq <= m_believed.seq)
    return {false, fmt::format("seq {} repeats one already read (the last believed record is {}): a "
                               "duplicated or replayed line; not believed",
                               parsed->seq, after)};
  if (parsed->seq > m_believed.seq + 1) {
    uint64_t missing = parsed->seq - m_believed.seq - 1;
    return {false, fmt::format("seq {} follows {}: {} record{} before this line {} missing (deleted?), or "
                               "the line is forged; not believed",
                               parsed->seq, after, missing, missing == 1 ? "" : "s", missing == 1 ? "is" : "are")};
  }
  return {false, fmt::format("its chain does not follow the record before it ({}): the record was edited "
                               "or forged; not believed", after)};
}

}  // namespace anneal::graph
