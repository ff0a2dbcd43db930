#pragma once

#include <string>

namespace anneal::proc {

/// "signal 11 (Segmentation fault)": the number, which scripts match, and what it means.
std::string signal_text(int signal);

}  // namespace anneal::proc
