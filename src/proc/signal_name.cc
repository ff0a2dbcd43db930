#include "proc/signal_name.h"

#include <string.h>

#include <fmt/format.h>

namespace anneal::proc {

std::string signal_text(int signal) {
  const char* name = ::sigdescr_np(signal);  // thread-safe, unlike strsignal()
  return name ? fmt::format("signal {} ({})", signal, name) : fmt::format("signal {}", signal);
}

}  // namespace anneal::proc
