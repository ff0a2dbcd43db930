#include "util/user_config_dir.h"

#include <cstdlib>

namespace anneal {

std::filesystem::path user_config_dir() {
  auto set = [](const char* name) -> const char* {
    const char* value = std::getenv(name);
    return value && *value ? value : nullptr;
  };
  if (const char* dir = set("ANNEAL_CONFIG_DIR"))
    return dir;
  if (const char* xdg = set("XDG_CONFIG_HOME"))
    return std::filesystem::path(xdg) / "anneal";
  if (const char* home = set("HOME"))
    return std::filesystem::path(home) / ".config" / "anneal";
  return std::filesystem::path(".anneal-config");
}

}  // namespace anneal
