// Reading an Annealfile: YAML syntax, keys, schema, model, checks — each step reports every
// problem it finds, and a later step runs only on what the earlier ones accepted.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "graph/agent_checks.h"
#include "graph/annealfile.h"
#include "graph/annealfile_checks.h"
#include "graph/annealfile_schema.h"
#include "graph/annealfile_yaml.h"
#include "graph/diagnostic.h"
#include "util/file.h"
#include "util/yaml_aliases.h"

namespace anneal::graph {

namespace {

std::vector<Diagnostic> read_tree(std::string_view text, Annealfile& out) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    std::string message = "invalid YAML: " + e.msg;
    // `keep_if: > 50` is the likely cause: YAML reads '>' as the start of a folded block.
    if (e.msg.find("block scalar") != std::string::npos)
      message += " (quote a value that starts with '>' or '|', e.g. keep_if: \"> 50\")";
    return {{{e.mark.line + 1, e.mark.column + 1}, message}};
  }
  // Before anything walks the tree: a walk visits every node an alias brings in, again.
  if (auto bomb = check_yaml_aliases(text))
    return {{{bomb->line, bomb->column}, bomb->message}};
  if (!root.IsDefined() || root.IsNull())
    return {{{1, 1}, "the Annealfile is empty"}};
  if (auto errors = check_yaml_keys(root); !errors.empty())
    return errors;
  if (auto errors = validate_annealfile_schema(root); !errors.empty())
    return errors;
  auto errors = build_annealfile(root, out);
  if (out.version != 1)
    return errors;
  auto more = check_annealfile(root, out);
  errors.insert(errors.end(), more.begin(), more.end());
  auto settings = check_agent_settings(out);
  errors.insert(errors.end(), settings.begin(), settings.end());
  return errors;
}

}  // namespace

Result<Annealfile> parse_annealfile(std::string_view text, const std::filesystem::path& path,
                                    bool caret) {
  Annealfile out;
  out.path = path;
  auto errors = read_tree(text, out);
  if (!errors.empty())
    return fail(format_diagnostics(path, text, std::move(errors), caret));
  return out;
}

Result<Annealfile> load_annealfile(const std::filesystem::path& path, bool caret) {
  std::error_code error;
  if (!std::filesystem::exists(path, error))
    return fail(fmt::format("{}: error: no Annealfile here; run `anneal init` to create one",
                            path.string()));
  if (std::filesystem::is_directory(path, error))
    return fail(fmt::format("{}: error: is a directory, not an Annealfile", path.string()));
  auto text = read_file_if_exists(path);
  if (!text)
    return fail(fmt::format("{}: error: cannot read the Annealfile: {}", path.string(),
                            std::strerror(errno)));
  return parse_annealfile(*text, path, caret);
}

}  // namespace anneal::graph
