// Which machine this is: what lock files, Slurm job records and running-node marks name, so
// that a pid is only ever looked up on the machine it belongs to.
#pragma once

#include <string>

namespace anneal::proc {

/// gethostname(2); "unknown" when it fails.
std::string host_name();

}  // namespace anneal::proc
