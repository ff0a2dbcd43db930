#pragma once

#include <filesystem>

namespace anneal {

/// Where anneal keeps per-user files (pricing.yaml, the learning pool): $ANNEAL_CONFIG_DIR,
/// else $XDG_CONFIG_HOME/anneal, else $HOME/.config/anneal. Not created here.
std::filesystem::path user_config_dir();

}  // namespace anneal
