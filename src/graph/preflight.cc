#include "graph/preflight.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <cstdlib>
#include <set>

#include <fmt/format.h>

#include "graph/diagnostic.h"
#include "graph/judge_samples.h"
#include "nodes/tune.h"
#include "util/file.h"

namespace anneal::graph {

namespace fs = std::filesystem;

namespace {

/// Reserved words and builtins: a command starting with one runs no program of that name.
constexpr std::string_view k_shell_words[] = {
    "!",       "{",      "}",        "case",   "do",      "done",   "elif",  "else",    "esac",
    "fi",      "for",    "function", "if",     "in",      "select", "then",  "time",    "until",
    "while",   ".",      ":",        "[",      "alias",   "bg",     "break", "cd",      "command",
    "continue", "echo",  "eval",     "exec",   "exit",    "export", "false", "fg",      "getopts",
    "hash",    "jobs",   "kill",     "local",  "printf",  "pwd",    "read",  "readonly", "return",
    "set",     "shift",  "source",   "test",   "trap",    "true",   "type",  "unset"};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/// Ends a word where the shell would: at blanks and operators.
bool ends_word(char c) { return is_space(c) || std::string_view(";&|<>()").find(c) != std::string_view::npos; }

/// Characters whose meaning depends on the shell's expansions: a word holding one is not plain.
bool expands(char c) { return std::string_view("$`\"'\\*?[]{}~!#").find(c) != std::string_view::npos; }

/// `NAME=value` with a shell variable name.
bool is_assignment(std::string_view word) {
  size_t eq = word.find('=');
  if (eq == std::string_view::npos || eq == 0)
    return false;
  if (std::isdigit(static_cast<unsigned char>(word[0])))
    return false;
  return std::all_of(word.begin(), word.begin() + static_cast<std::ptrdiff_t>(eq),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

class Preflight {
 public:
  Preflight(git::Repository& repo, std::string head) : m_repo(repo), m_head(std::move(head)) {}

  void check_target(const Target& target) {
    if (target.agent.kind == AgentKind::Command)
      check_command_agent(target.agent);
    if (target.agent.kind == AgentKind::Tune && target.needs.empty())
      for (const TuneParam& param : target.agent.params)
        check_tune_param(target, param);
    if (target.judge) {
      check_samples(target, target.judge->samples, "samples");
      check_samples(target, target.judge->held_out, "held_out");
    }
  }

  std::vector<Diagnostic> take() { return std::move(m_errors); }

 private:
  /// The file at `path` in HEAD's tree, nullopt when there is none (or it is a folder).
  std::optional<std::string> at_head(const std::string& path) {
    std::string normal = fs::path(path).lexically_normal().generic_string();
    auto text = m_repo.read_file_at(m_head, normal);
    return text && *text ? *text : std::optional<std::string>();
  }

  /// Where the shell would find `program`, or why it would not.
  bool program_exists(const std::string& program) {
    fs::path path(program);
    std::error_code ec;
    if (program.find('/') != std::string::npos) {
      if (path.is_absolute())
        return fs::is_regular_file(path, ec);
      // Commands run at the top of the candidate's worktree, which holds what HEAD holds;
      // a path leaving it cannot be judged from here.
      fs::path normal = path.lexically_normal();
      if (!normal.empty() && *normal.begin() == "..")
        return true;
      return at_head(program).has_value();
    }
    const char* env = std::getenv("PATH");
    std::string dirs = env ? env : "/usr/local/bin:/usr/bin:/bin";
    size_t start = 0;
    while (start <= dirs.size()) {
      size_t end = dirs.find(':', start);
      if (end == std::string::npos)
        end = dirs.size();
      // An empty entry is the current directory: the top of the worktree.
      fs::path candidate = end == start ? fs::path(program) : fs::path(dirs.substr(start, end - start)) / program;
      start = end + 1;
      if (candidate.is_absolute()) {
        if (fs::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0)
          return true;
      } else if (at_head(candidate.string())) {
        return true;  // a relative PATH entry resolves in the worktree
      }
    }
    return false;
  }

  void check_command_agent(const Agent& agent) {
    if (!m_checked_agents.insert(agent.name).second)
      return;
    auto program = command_program(agent.run);
    if (!program || program_exists(*program))
      return;
    std::string head = m_head.substr(0, 12);
    std::string message;
    std::error_code ec;
    if (fs::path(*program).is_absolute()) {
      message = fmt::format("agent '{}' runs '{}', which is not a file on this machine", agent.name, *program);
    } else if (program->find('/') != std::string::npos) {
      message = fmt::format("agent '{}' runs '{}', which is not a file in the repository at HEAD ({})", agent.name,
                            *program, head);
      if (fs::exists(m_repo.workdir() / *program, ec))
        message += "; it is in your checkout but not committed, and candidates are built from HEAD: commit it";
    } else if (at_head(*program)) {
      message = fmt::format("agent '{}' runs '{}', which is not on PATH; the repository has it, to be run as ./{} "
                            "(the shell looks a bare name up on PATH only)",
                            agent.name, *program, *program);
    } else {
      message = fmt::format("agent '{}' runs '{}', which is neither on PATH nor a file in the repository at HEAD "
                            "({})",
                            agent.name, *program, head);
    }
    m_errors.push_back({agent.run_loc, std::move(message)});
  }

  void check_tune_param(const Target& target, const TuneParam& param) {
    auto text = at_head(param.file);
    if (!text) {
      m_errors.push_back({param.file_loc, fmt::format("tune file '{}' of target '{}' is not in the repository "
                                                      "(at HEAD {})",
                                                      param.file, target.name, m_head.substr(0, 12))});
      return;
    }
    nodes::TuneParam p{param.file, param.pattern, param.min, param.max, param.integer};
    if (auto value = nodes::tune_value(p, *text); !value) {
      std::string message = value.error().message;
      if (message.starts_with("tune: "))
        message.erase(0, 6);
      m_errors.push_back({param.pattern_loc, fmt::format("{} (at HEAD {}, target '{}')", message,
                                                         m_head.substr(0, 12), target.name)});
    }
  }

  void check_samples(const Target& target, const SampleSet& set, std::string_view what) {
    if (set.glob.empty())
      return;
    auto files = matching_files(m_repo.workdir(), set.glob);
    if (!files)
      m_errors.push_back({set.loc, fmt::format("judge {} of target '{}': {}", what, target.name,
                                               files.error().message)});
    else if (files->empty())
      m_errors.push_back({set.loc, fmt::format("judge {} '{}' of target '{}' match no file (globs are relative "
                                               "to the top of the repository)",
                                               what, set.glob, target.name)});
  }

  git::Repository& m_repo;
  std::string m_head;
  std::set<std::string> m_checked_agents;
  std::vector<Diagnostic> m_errors;
};

}  // namespace

std::optional<std::string> command_program(std::string_view run) {
  size_t at = 0;
  while (true) {
    while (at < run.size() && is_space(run[at]))
      ++at;
    size_t end = at;
    while (end < run.size() && !ends_word(run[end]))
      ++end;
    std::string_view word = run.substr(at, end - at);
    if (word.empty() || std::any_of(word.begin(), word.end(), expands))
      return std::nullopt;
    if (is_assignment(word)) {
      at = end;
      continue;
    }
    if (word.find('=') != std::string_view::npos)
      return std::nullopt;
    if (std::find(std::begin(k_shell_words), std::end(k_shell_words), word) != std::end(k_shell_words))
      return std::nullopt;
    size_t next = end;
    while (next < run.size() && is_space(run[next]))
      ++next;
    if (next < run.size() && run[next] == '(')
      return std::nullopt;  // `name() { …; }` defines a function
    return std::string(word);
  }
}

Result<void> preflight(const Annealfile& file, const std::vector<const Target*>& targets, git::Repository& repo,
                       bool caret) {
  auto head = repo.head_commit();
  if (!head)
    return std::unexpected(head.error());
  Preflight check(repo, *head);
  for (const Target* target : targets)
    check.check_target(*target);
  std::vector<Diagnostic> errors = check.take();
  if (errors.empty())
    return {};
  auto text = read_file_if_exists(file.path);
  return fail(format_diagnostics(file.path, text ? *text : std::string(), std::move(errors), caret));
}

}  // namespace anneal::graph
