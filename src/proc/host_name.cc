#include "proc/host_name.h"

#include <unistd.h>

namespace anneal::proc {

std::string host_name() {
  char buffer[256] = {};
  if (::gethostname(buffer, sizeof buffer - 1) != 0)
    return "unknown";
  return buffer;
}

}  // namespace anneal::proc
