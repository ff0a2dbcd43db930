#include "util/secrets.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>

extern char** environ;

namespace anneal {

namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::set<std::string> named_secrets() {
  std::set<std::string> names = {"ANNEAL_REMOTE_TOKEN"};
  if (const char* list = std::getenv(k_secret_vars_env)) {
    std::string_view rest(list);
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view name = rest.substr(0, comma);
      if (!name.empty())
        names.emplace(name);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  return names;
}

/// (value, name) of every secret variable long enough to look for.
std::vector<std::pair<std::string, std::string>> secret_values() {
  std::vector<std::pair<std::string, std::string>> values;
  for (const auto& name : secret_variable_names())
    if (const char* v = std::getenv(name.c_str()); v != nullptr && std::string_view(v).size() >= k_min_redacted_length)
      values.emplace_back(v, name);
  return values;
}

}  // namespace

std::string secret_vars_value(const std::vector<std::string>& names) {
  std::set<std::string> all = named_secrets();
  all.erase("ANNEAL_REMOTE_TOKEN");  // always secret, no need to name it
  all.insert(names.begin(), names.end());
  std::string out;
  for (const auto& name : all)
    out += (out.empty() ? "" : ",") + name;
  return out;
}

bool looks_secret(std::string_view name) {
  std::string n = upper(name);
  if (n == k_secret_vars_env)  // names, not values
    return false;
  return ends_with(n, "_API_KEY") || n == "API_KEY" || ends_with(n, "_TOKEN") ||
         n.find("SECRET") != std::string::npos || n.find("PASSWORD") != std::string::npos;
}

std::vector<std::string> secret_variable_names() {
  std::set<std::string> named = named_secrets();
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    size_t eq = entry.find('=');
    if (eq == std::string_view::npos)
      continue;
    std::string name(entry.substr(0, eq));
    if (looks_secret(name) || named.count(name))
      out.push_back(std::move(name));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::string> child_environment(const std::vector<std::string>& pass_env) {
  std::set<std::string> named = named_secrets();
  std::set<std::string> passed(pass_env.begin(), pass_env.end());
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    size_t eq = entry.find('=');
    std::string name(entry.substr(0, eq));
    if ((looks_secret(name) || named.count(name)) && !passed.count(name))
      continue;
    out.emplace_back(entry);
  }
  return out;
}

std::vector<std::string> secrets_in(std::string_view text) {
  std::vector<std::string> names;
  for (const auto& [value, name] : secret_values())
    if (text.find(value) != std::string_view::npos)
      names.push_back(name);
  return names;  // secret_variable_names() is sorted
}

std::string redact(std::string_view text) {
  std::string out(text);
  // Longest values first, so a value containing another is replaced whole.
  std::vector<std::pair<std::string, std::string>> values = secret_values();
  std::sort(values.begin(), values.end(),
            [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  for (const auto& [value, name] : values) {
    std::string mark = "[redacted:" + name + "]";
    for (size_t at = out.find(value); at != std::string::npos; at = out.find(value, at + mark.size()))
      out.replace(at, value.size(), mark);
  }
  return out;
}

}  // namespace anneal
