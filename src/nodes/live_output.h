// What a node's commands print, passed on as it arrives to a file the build shows while the
// node runs (`anneal build -v`), one redacted line at a time.
#pragma once

#include <filesystem>

#include "nodes/node.h"
#include "proc/subprocess.h"

namespace anneal::nodes {

/// Makes `options`' command append what it prints (stdout and stderr, whole lines in the
/// order they arrive, each redacted of secrets) to `context.live_output`; nothing when that
/// is empty. What it keeps (RunResult::out/err) is unchanged. A line longer than 4 KiB is cut.
void stream_output(const NodeContext& context, proc::RunOptions& options);

}  // namespace anneal::nodes
