#include "util/yaml_aliases.h"

#include <algorithm>
#include <map>
#include <sstream>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

namespace anneal {

namespace {

/// Counts nodes as the parser reports them: each anchored node's expanded size is known when
/// it ends, and an alias adds its anchor's size. Sizes saturate past the budget, so a bomb's
/// arithmetic cannot overflow. The first problem is kept; counting stops there (the rest of
/// the parse is linear in the text).
class AliasCounter : public YAML::EventHandler {
 public:
  explicit AliasCounter(size_t budget) : m_budget(budget) {}

  void OnDocumentStart(const YAML::Mark&) override {
    m_sizes.clear();
    m_names.clear();
  }
  void OnDocumentEnd() override {}
  void OnAnchor(const YAML::Mark&, const std::string& name) override { m_pending_name = name; }

  void OnNull(const YAML::Mark&, YAML::anchor_t anchor) override { leaf(anchor); }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t anchor,
                const std::string&) override {
    leaf(anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (m_problem)
      return;
    std::string name = m_names.count(anchor) ? m_names[anchor] : std::string("?");
    auto size = m_sizes.find(anchor);
    if (size == m_sizes.end())
      return refuse(mark, fmt::format("alias '*{}' refers to a node that contains it; YAML "
                                      "aliases must not form a cycle",
                                      name));
    m_through_aliases = add(m_through_aliases, size->second);
    if (m_through_aliases > m_budget)
      return refuse(mark, fmt::format("alias '*{}' brings the nodes reached through aliases "
                                      "past {}; anneal refuses YAML that expands this far (an "
                                      "alias bomb?)",
                                      name, m_budget));
    add_to_parent(size->second);
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(anchor);
  }
  void OnMapEnd() override { close(); }

  const std::optional<YamlAliasProblem>& problem() const { return m_problem; }

 private:
  struct Open {
    YAML::anchor_t anchor = 0;
    size_t size = 1;  ///< the collection itself and what it holds so far
  };

  void refuse(const YAML::Mark& mark, std::string message) {
    m_problem = YamlAliasProblem{mark.line + 1, mark.column + 1, std::move(message)};
  }
  size_t add(size_t a, size_t b) const { return std::min(a + b, m_budget + 1); }
  void name(YAML::anchor_t anchor) {
    if (anchor != 0)
      m_names[anchor] = m_pending_name;
  }
  void add_to_parent(size_t size) {
    if (!m_open.empty())
      m_open.back().size = add(m_open.back().size, size);
  }
  void leaf(YAML::anchor_t anchor) {
    name(anchor);
    if (anchor != 0)
      m_sizes[anchor] = 1;
    add_to_parent(1);
  }
  void open(YAML::anchor_t anchor) {
    name(anchor);
    m_open.push_back({anchor, 1});
  }
  void close() {
    Open done = m_open.back();
    m_open.pop_back();
    if (done.anchor != 0)
      m_sizes[done.anchor] = done.size;
    add_to_parent(done.size);
  }

  size_t m_budget;
  size_t m_through_aliases = 0;
  std::vector<Open> m_open;
  std::map<YAML::anchor_t, size_t> m_sizes;  ///< expanded size of each finished anchored node
  std::map<YAML::anchor_t, std::string> m_names;
  std::string m_pending_name;
  std::optional<YamlAliasProblem> m_problem;
};

}  // namespace

std::optional<YamlAliasProblem> check_yaml_aliases(std::string_view text, size_t budget) {
  std::istringstream in{std::string(text)};
  AliasCounter counter(budget);
  try {
    YAML::Parser parser(in);
    while (!counter.problem() && parser.HandleNextDocument(counter)) {
    }
  } catch (const YAML::Exception&) {
    // A syntax error: YAML::Load says where. What came before it was counted.
  }
  return counter.problem();
}

}  // namespace anneal
