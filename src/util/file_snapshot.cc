#include "util/file_snapshot.h"

#include <algorithm>
#include <system_error>

#include <fmt/format.h>

#include "util/file.h"

namespace anneal {

namespace fs = std::filesystem;

namespace {

/// What is at `path` now (not following a final symlink); nullopt when nothing.
std::optional<FileNode> read_node(const fs::path& path) {
  std::error_code ec;
  fs::file_status status = fs::symlink_status(path, ec);
  if (ec || !fs::exists(status))
    return std::nullopt;
  FileNode node;
  node.perms = status.permissions();
  if (fs::is_symlink(status)) {
    node.kind = FileNode::Kind::Symlink;
    node.perms = fs::perms::none;  // a symlink's mode means nothing on Linux
    fs::path target = fs::read_symlink(path, ec);
    node.bytes = ec ? std::string() : target.string();
  } else if (fs::is_directory(status)) {
    node.kind = FileNode::Kind::Dir;
  } else if (fs::is_regular_file(status)) {
    auto bytes = read_file_if_exists(path);
    if (bytes)
      node.bytes = std::move(*bytes);
    else
      node.kind = FileNode::Kind::Unreadable;
  } else {
    node.kind = FileNode::Kind::Unreadable;  // a fifo, a socket, a device: never read
  }
  return node;
}

void walk(const fs::path& root, const fs::path& dir, FileTree& into, const SkipPath& skip) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    fs::path path = it->path();
    if (skip && skip(path.lexically_relative(root)))
      continue;
    auto node = read_node(path);
    if (!node)
      continue;
    bool is_dir = node->kind == FileNode::Kind::Dir;
    into[path] = std::move(*node);
    if (is_dir)
      walk(root, path, into, skip);
  }
}

Result<void> put_back(const fs::path& path, const FileNode& node) {
  std::error_code ec;
  auto now = read_node(path);
  if (now && *now == node)
    return {};
  if (node.kind == FileNode::Kind::Unreadable)
    return {};
  // A directory that only lost its permissions keeps what is in it.
  if (now && (now->kind != node.kind || node.kind != FileNode::Kind::Dir)) {
    fs::remove_all(path, ec);
    if (ec)
      return fail(fmt::format("cannot remove {}: {}", path.string(), ec.message()));
  }
  switch (node.kind) {
    case FileNode::Kind::Dir:
      fs::create_directories(path, ec);
      break;
    case FileNode::Kind::Symlink:
      fs::create_directories(path.parent_path(), ec);
      fs::create_symlink(node.bytes, path, ec);
      break;
    case FileNode::Kind::File:
      if (auto written = write_file_atomic(path, node.bytes); !written)
        return written;
      break;
    case FileNode::Kind::Unreadable:
      break;
  }
  if (!ec && node.kind != FileNode::Kind::Symlink)
    fs::permissions(path, node.perms, fs::perm_options::replace, ec);
  if (ec)
    return fail(fmt::format("cannot restore {}: {}", path.string(), ec.message()));
  return {};
}

}  // namespace

void snapshot_path(const fs::path& root, FileTree& into, const SkipPath& skip) {
  auto node = read_node(root);
  if (!node)
    return;
  bool is_dir = node->kind == FileNode::Kind::Dir;
  into[root] = std::move(*node);
  if (is_dir)
    walk(root, root, into, skip);
}

std::vector<fs::path> changed_paths(const FileTree& before, const FileTree& after) {
  std::vector<fs::path> changed;
  auto b = before.begin();
  auto a = after.begin();
  while (b != before.end() || a != after.end()) {
    if (a == after.end() || (b != before.end() && b->first < a->first)) {
      changed.push_back(b->first);
      ++b;
    } else if (b == before.end() || a->first < b->first) {
      changed.push_back(a->first);
      ++a;
    } else {
      if (!(b->second == a->second))
        changed.push_back(b->first);
      ++a;
      ++b;
    }
  }
  return changed;
}

Result<void> restore_paths(const FileTree& before, const std::vector<fs::path>& paths) {
  std::vector<fs::path> sorted = paths;
  std::sort(sorted.begin(), sorted.end());
  // What was not there goes first, children before their parents.
  for (auto it = sorted.rbegin(); it != sorted.rend(); ++it) {
    if (before.contains(*it))
      continue;
    std::error_code ec;
    fs::remove_all(*it, ec);
    if (ec)
      return fail(fmt::format("cannot remove {}: {}", it->string(), ec.message()));
  }
  for (const auto& path : sorted) {
    auto node = before.find(path);
    if (node == before.end())
      continue;
    if (auto restored = put_back(path, node->second); !restored)
      return restored;
  }
  return {};
}

}  // namespace anneal
