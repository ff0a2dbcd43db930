#include "cli/build_progress.h"

#include <algorithm>
#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "graph/running_node.h"

namespace anneal::cli {

namespace {

/// Five times a second: often enough that seconds tick visibly, rare enough to cost nothing.
constexpr std::chrono::milliseconds k_refresh{200};

}  // namespace

std::string elapsed_text(double seconds) {
  if (seconds < 60)
    return fmt::format("{:.1f} s", std::max(0.0, seconds));
  long whole = static_cast<long>(seconds);
  return fmt::format("{}m{:02}s", whole / 60, whole % 60);
}

BuildProgress::BuildProgress(StatusLine& status, graph::Workspace& workspace, Verbosity verbosity)
    : m_status(status), m_ws(workspace), m_verbosity(verbosity) {}

void BuildProgress::watch(const graph::NodeBatch& batch, graph::BatchPhase phase) {
  const bool live = m_status.terminal() && m_verbosity != Verbosity::Quiet;
  const bool verbose = m_verbosity == Verbosity::Verbose;
  if (phase == graph::BatchPhase::Starting) {
    m_streams.clear();
    m_seen.clear();
    m_last = std::chrono::steady_clock::now();
    if (verbose)  // what an earlier build left: a node removes its own when it starts
      for (const auto& node : batch.nodes) {
        std::error_code ec;
        std::filesystem::remove(graph::live_output_path(m_ws, node.spec.key), ec);
      }
    if (live)
      m_status.update(status_text(batch, std::chrono::system_clock::now()));
    return;
  }
  if (phase == graph::BatchPhase::Ended) {
    if (verbose)
      relay(batch, true);
    if (live)
      m_status.clear();
    return;
  }
  auto now = std::chrono::steady_clock::now();
  if (now - m_last < k_refresh)
    return;
  m_last = now;
  if (verbose)
    relay(batch, false);
  if (live)
    m_status.update(status_text(batch, std::chrono::system_clock::now()));
}

std::string BuildProgress::status_text(const graph::NodeBatch& batch, std::chrono::system_clock::time_point now) {
  struct Running {
    const graph::PlannedNode* node;
    graph::RunningNode state;
  };
  std::vector<Running> running;
  size_t done = 0;
  for (const auto& node : batch.nodes) {
    std::string key = node.spec.key.hex();
    if (auto state = graph::running_node(m_ws, node.spec.key)) {
      running.push_back({&node, *state});
      m_seen.insert(key);
      continue;
    }
    std::error_code ec;
    if (m_seen.count(key) || std::filesystem::exists(m_ws.store().action_path(node.spec.key), ec))
      ++done;
  }
  // The longest-running first: it is the one a user waits for.
  std::stable_sort(running.begin(), running.end(),
                   [](const Running& a, const Running& b) { return a.state.started < b.state.started; });
  std::string text = fmt::format("[{}/{}] {} #{} ({}/{})", batch.experiment, batch.budget, batch.target.name,
                                 batch.experiment, done, batch.nodes.size());
  for (size_t i = 0; i < running.size(); ++i) {
    const graph::RunningNode& state = running[i].state;
    text += fmt::format("{}{}{} {}", i == 0 ? " " : ", ", running[i].node->description,
                        state.steps > 1 ? fmt::format(" ({}/{})", state.step, state.steps) : "",
                        elapsed_text(std::chrono::duration<double>(now - state.started).count()));
  }
  return text;
}

void BuildProgress::relay(const graph::NodeBatch& batch, bool final) {
  for (const auto& node : batch.nodes) {
    std::filesystem::path path = graph::live_output_path(m_ws, node.spec.key);
    std::error_code ec;
    uintmax_t size = std::filesystem::file_size(path, ec);
    Stream& stream = m_streams[node.spec.key.hex()];
    if (!ec && size > stream.offset) {
      std::ifstream in(path, std::ios::binary);
      in.seekg(static_cast<std::streamoff>(stream.offset));
      std::string added(size - stream.offset, '\0');
      in.read(added.data(), static_cast<std::streamsize>(added.size()));
      added.resize(static_cast<size_t>(in.gcount()));
      stream.offset += added.size();
      stream.partial += added;
    }
    std::string prefix = paint(node.description + " |", Color::Dim, m_status.color());
    size_t start = 0;
    for (size_t end; (end = stream.partial.find('\n', start)) != std::string::npos; start = end + 1)
      m_status.print(prefix + " " + visible(std::string_view(stream.partial).substr(start, end - start)));
    stream.partial.erase(0, start);
    if (final) {
      if (!stream.partial.empty())
        m_status.print(prefix + " " + visible(stream.partial));
      stream.partial.clear();
      std::filesystem::remove(path, ec);
    }
  }
}

}  // namespace anneal::cli
