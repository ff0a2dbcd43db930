#include "edit/apply_edits.h"

#include <fcntl.h>
#include <string.h>  // memmem
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <exception>
#include <expected>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

#include "util/file.h"

namespace anneal::edit {

namespace fs = std::filesystem;

namespace {

/// A reason an edit cannot be applied, worded for the model that will read it.
using Reason = std::unexpected<std::string>;

/// One file as the edits so far leave it, in memory until every edit has succeeded.
struct FileState {
  std::string rel;  ///< resolved, relative to the root
  fs::path abs;
  std::string content;
  bool exists = false;   ///< now, after the edits so far
  bool existed = false;  ///< on disk before any edit
  bool crlf = false;     ///< the file's lines end in CRLF, so blocks are converted to match
  bool changed = false;
  fs::perms perms = fs::perms::unknown;
};

std::string_view trim(std::string_view s) {
  size_t begin = s.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos)
    return {};
  return s.substr(begin, s.find_last_not_of(" \t\r") - begin + 1);
}

std::string quoted(std::string_view line) {
  line = trim(line);
  constexpr size_t k_max = 70;
  if (line.size() <= k_max)
    return fmt::format("'{}'", line);
  return fmt::format("'{}...'", line.substr(0, k_max));
}

std::string to_crlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r'))
      out.push_back('\r');
    out.push_back(text[i]);
  }
  return out;
}

/// Splits on '\n' without copying; a trailing '\r' stays on its line.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t end = text.find('\n');
    if (end == std::string_view::npos) {
      lines.push_back(text);
      break;
    }
    lines.push_back(text.substr(0, end));
    text.remove_prefix(end + 1);
  }
  return lines;
}

size_t line_number(std::string_view text, size_t pos) {
  return 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + static_cast<ptrdiff_t>(pos), '\n'));
}

/// Where `needle` occurs in `haystack` starting at the beginning of a line. memmem is a
/// linear search that does not degrade on indentation the way a first-character scan does.
std::vector<size_t> line_start_matches(std::string_view haystack, std::string_view needle) {
  std::vector<size_t> found;
  size_t from = 0;
  while (from + needle.size() <= haystack.size()) {
    const void* hit = ::memmem(haystack.data() + from, haystack.size() - from, needle.data(), needle.size());
    if (hit == nullptr)
      break;
    size_t pos = static_cast<size_t>(static_cast<const char*>(hit) - haystack.data());
    if (pos == 0 || haystack[pos - 1] == '\n')
      found.push_back(pos);
    from = pos + 1;
  }
  return found;
}

/// Why `search` is not in `content`, with the nearest thing the file does have, so the model
/// can correct its copy instead of guessing again.
std::string not_found_reason(std::string_view content, std::string_view search) {
  constexpr std::string_view k_prefix = "the SEARCH text is not in the file";
  std::vector<std::string_view> wanted = split_lines(search);
  size_t first = 0;
  while (first < wanted.size() && trim(wanted[first]).empty())
    ++first;
  if (first == wanted.size())
    return fmt::format("{}; SEARCH has only blank lines", k_prefix);
  std::string_view anchor = wanted[first];
  if (!anchor.empty() && anchor.back() == '\r')
    anchor.remove_suffix(1);
  std::vector<std::string_view> lines = split_lines(content);
  auto strip_cr = [](std::string_view s) {
    return !s.empty() && s.back() == '\r' ? s.substr(0, s.size() - 1) : s;
  };

  // The first SEARCH line is in the file: say where the copy goes wrong after it.
  size_t best_line = 0, best_run = 0;
  bool anchored = false;
  for (size_t n = 0; n < lines.size(); ++n) {
    if (strip_cr(lines[n]) != anchor)
      continue;
    size_t run = 1;
    while (first + run < wanted.size() && n + run < lines.size() &&
           strip_cr(lines[n + run]) == strip_cr(wanted[first + run]))
      ++run;
    if (!anchored || run > best_run) {
      best_line = n;
      best_run = run;
      anchored = true;
    }
  }
  if (anchored) {
    size_t differs = first + best_run;  // 0-based SEARCH line
    if (best_line + best_run >= lines.size())
      return fmt::format("{}: SEARCH line {} is line {} of the file, but the file ends before SEARCH line {}",
                         k_prefix, first + 1, best_line + 1, differs + 1);
    std::string_view theirs = strip_cr(lines[best_line + best_run]);
    if (trim(theirs) == trim(strip_cr(wanted[differs])))
      return fmt::format(
          "{}: SEARCH line {} is line {} of the file, but SEARCH line {} differs in its "
          "whitespace; copy the lines exactly, with their indentation and trailing spaces",
          k_prefix, first + 1, best_line + 1, differs + 1);
    return fmt::format(
        "{}: SEARCH line {} is line {} of the file, but SEARCH line {} differs; the file has {} there",
        k_prefix, first + 1, best_line + 1, differs + 1, quoted(theirs));
  }

  // Otherwise the file line most like it: equal but for whitespace, or sharing the longest
  // start and end (a renamed identifier in the middle of a line).
  std::string_view anchor_trimmed = trim(anchor);
  size_t closest = 0, closest_score = 0;
  for (size_t n = 0; n < lines.size(); ++n) {
    std::string_view line = trim(lines[n]);
    if (line == anchor_trimmed)
      return fmt::format(
          "{}: SEARCH line {} matches line {} of the file only if whitespace is ignored; "
          "copy the lines exactly, with their indentation",
          k_prefix, first + 1, n + 1);
    size_t limit = std::min(line.size(), anchor_trimmed.size());
    size_t prefix = 0;
    while (prefix < limit && line[prefix] == anchor_trimmed[prefix])
      ++prefix;
    size_t suffix = 0;
    while (suffix < limit - prefix &&
           line[line.size() - 1 - suffix] == anchor_trimmed[anchor_trimmed.size() - 1 - suffix])
      ++suffix;
    if (prefix + suffix > closest_score) {
      closest = n;
      closest_score = prefix + suffix;
    }
  }
  if (closest_score >= 8 && closest_score * 2 >= anchor_trimmed.size())
    return fmt::format("{}: SEARCH line {}, {}, is not in the file; the closest is line {}: {}", k_prefix,
                       first + 1, quoted(anchor), closest + 1, quoted(lines[closest]));
  return fmt::format(
      "{}: SEARCH line {}, {}, is not in the file; copy SEARCH lines exactly from the current file", k_prefix,
      first + 1, quoted(anchor));
}

std::expected<void, std::string> apply_replace(FileState& file, const Edit& edit) {
  if (edit.search.empty()) {
    if (file.exists && !file.content.empty())
      return Reason(
          "SEARCH is empty, which creates a new file, but the file exists; "
          "put the exact lines to change in SEARCH");
    file.content = file.crlf ? to_crlf(edit.replace) : edit.replace;
    file.exists = true;
    file.changed = true;
    return {};
  }
  if (!file.exists)
    return Reason("the file does not exist; to create it, leave SEARCH empty");
  std::string search = file.crlf ? to_crlf(edit.search) : edit.search;
  std::string replace = file.crlf ? to_crlf(edit.replace) : edit.replace;
  std::vector<size_t> matches = line_start_matches(file.content, search);
  if (!file.content.empty() && file.content.back() != '\n' && search.back() == '\n') {
    // The file's last line has no newline: SEARCH, whose lines all end in one, may still
    // mean it. The replacement then keeps the file without a final newline.
    auto drop_newline = [](std::string& s) {
      s.pop_back();
      if (!s.empty() && s.back() == '\r')
        s.pop_back();
    };
    std::string shorter = search;
    drop_newline(shorter);
    size_t pos = file.content.size() - std::min(shorter.size(), file.content.size());
    if (!shorter.empty() && std::string_view(file.content).substr(pos) == shorter &&
        (pos == 0 || file.content[pos - 1] == '\n')) {
      matches.push_back(pos);
      if (matches.size() == 1) {
        search = std::move(shorter);
        if (!replace.empty() && replace.back() == '\n')
          drop_newline(replace);
      }
    }
  }
  if (matches.empty())
    return Reason(not_found_reason(file.content, search));
  if (matches.size() > 1) {
    std::string where;
    for (size_t i = 0; i < matches.size() && i < 5; ++i)
      where += fmt::format("{}{}", i == 0 ? "" : ", ", line_number(file.content, matches[i]));
    if (matches.size() > 5)
      where += ", ...";
    return Reason(
        fmt::format("the SEARCH text matches {} times (at lines {}); include more surrounding "
                    "lines so that it matches once",
                    matches.size(), where));
  }
  if (search != replace) {
    file.content.replace(matches.front(), search.size(), replace);
    file.changed = true;
  }
  return {};
}

std::expected<void, std::string> apply_whole_file(FileState& file, const Edit& edit,
                                                  const ApplyLimits& limits) {
  if (file.exists && file.content.size() > limits.whole_file_max_bytes)
    return Reason(
        fmt::format("the file has {} bytes, more than the {} a whole-file replacement may replace; "
                    "change it with SEARCH/REPLACE blocks",
                    file.content.size(), limits.whole_file_max_bytes));
  std::string content = file.crlf ? to_crlf(edit.replace) : edit.replace;
  if (!file.exists || content != file.content) {
    file.content = std::move(content);
    file.exists = true;
    file.changed = true;
  }
  return {};
}

bool inside(const fs::path& root, const fs::path& path) {
  fs::path rel = path.lexically_relative(root);
  return !rel.empty() && *rel.begin() != ".." && rel != ".";
}

bool names_git_dir(const fs::path& rel) {
  return std::any_of(rel.begin(), rel.end(), [](const fs::path& part) { return part == ".git"; });
}

/// The file `written` names under `root` (canonical), with symlinks resolved, or why it may
/// not be edited.
std::expected<fs::path, std::string> resolve(const fs::path& root, std::string_view written) {
  if (trim(written).empty())
    return Reason("the edit has no path");
  if (written.front() == '/' || written.front() == '\\')
    return Reason("the path is absolute; use a path relative to the repository root");
  std::vector<std::string> parts;
  for (std::string_view rest = written; !rest.empty();) {
    size_t slash = rest.find('/');
    std::string_view part = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (part.empty() || part == ".")
      continue;
    if (part == "..")
      return Reason("the path contains '..'; use a path inside the repository, relative to its root");
    if (part == ".git")
      return Reason("the path is inside .git, which edits may not change");
    parts.emplace_back(part);
  }
  if (parts.empty())
    return Reason("the path names the repository root, not a file");

  fs::path at = root;
  for (size_t i = 0; i < parts.size(); ++i) {
    fs::path next = at / parts[i];
    std::error_code ec;
    fs::file_status status = fs::symlink_status(next, ec);
    if (status.type() == fs::file_type::not_found) {
      // Nothing from here on exists yet: the rest is created as written.
      for (size_t j = i; j < parts.size(); ++j)
        at /= parts[j];
      break;
    }
    if (ec)
      return Reason(
          fmt::format("cannot inspect {}: {}", next.lexically_relative(root).string(), ec.message()));
    if (status.type() == fs::file_type::symlink) {
      next = fs::canonical(next, ec);
      if (ec)
        return Reason(fmt::format("the path goes through the broken symlink {}",
                                  (at / parts[i]).lexically_relative(root).string()));
      if (!inside(root, next))
        return Reason(fmt::format("the path leads outside the repository through the symlink {}",
                                  (at / parts[i]).lexically_relative(root).string()));
      status = fs::status(next, ec);
    }
    at = next;
    bool last = i + 1 == parts.size();
    if (!last && status.type() != fs::file_type::directory)
      return Reason(fmt::format("{} is not a directory", at.lexically_relative(root).string()));
    if (last && status.type() == fs::file_type::directory)
      return Reason("the path is a directory, not a file");
    if (last && status.type() != fs::file_type::regular)
      return Reason("the path is not a regular file");
  }
  if (!inside(root, at))
    return Reason("the path leads outside the repository");
  if (names_git_dir(at.lexically_relative(root)))
    return Reason("the path leads into .git, which edits may not change");
  return at;
}

/// Reads a whole file with reads sized by fstat: a buffer grown chunk by chunk costs more
/// than the edit itself on a file of a megabyte.
Result<std::string> read_whole(const fs::path& path) {
  struct Fd {
    int fd;
    ~Fd() {
      if (fd >= 0)
        ::close(fd);
    }
  } file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  auto failed = [&path] {
    return fail(fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
  };
  struct stat info {};
  if (file.fd < 0 || ::fstat(file.fd, &info) != 0)
    return failed();
  std::string content(static_cast<size_t>(info.st_size), '\0');
  size_t have = 0;
  for (;;) {
    if (have == content.size())
      content.resize(content.size() + 4096);  // the file grew since fstat
    ssize_t got = ::read(file.fd, content.data() + have, content.size() - have);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      return failed();
    if (got == 0)
      break;
    have += static_cast<size_t>(got);
  }
  content.resize(have);
  return content;
}

Result<FileState> load(const fs::path& root, const fs::path& abs) {
  FileState file;
  file.abs = abs;
  file.rel = abs.lexically_relative(root).generic_string();
  std::error_code ec;
  fs::file_status status = fs::status(abs, ec);
  if (status.type() == fs::file_type::not_found)
    return file;
  if (ec)
    return fail(fmt::format("cannot inspect {}: {}", abs.string(), ec.message()));
  auto content = read_whole(abs);
  if (!content)
    return std::unexpected(content.error());
  file.content = std::move(*content);
  file.exists = file.existed = true;
  file.perms = status.permissions();
  size_t newline = file.content.find('\n');
  file.crlf = newline != std::string::npos && newline > 0 && file.content[newline - 1] == '\r';
  return file;
}

Result<ApplyOutcome> apply_all(const fs::path& root, const std::vector<Edit>& edits,
                               const ApplyLimits& limits) {
  std::error_code ec;
  fs::path base = fs::canonical(root, ec);
  if (ec)
    return fail(fmt::format("cannot open the worktree {}: {}", root.string(), ec.message()));

  ApplyOutcome outcome;
  std::vector<FileState> files;  // first-touched order
  std::unordered_map<std::string, size_t> file_of;
  for (size_t i = 0; i < edits.size(); ++i) {
    const Edit& edit = edits[i];
    auto failed = [&](std::string reason) {
      outcome.failures.push_back(
          EditFailure{.index = i, .path = edit.path, .reason = std::move(reason), .line = edit.line});
    };
    auto abs = resolve(base, edit.path);
    if (!abs) {
      failed(std::move(abs.error()));
      continue;
    }
    auto [known, added] = file_of.try_emplace(abs->string(), files.size());
    if (added) {
      auto file = load(base, *abs);
      if (!file)
        return std::unexpected(file.error());
      files.push_back(std::move(*file));
    }
    FileState& file = files[known->second];
    auto applied =
        edit.kind == Edit::Kind::Replace ? apply_replace(file, edit) : apply_whole_file(file, edit, limits);
    if (!applied)
      failed(std::move(applied.error()));
  }
  if (!outcome.ok())
    return outcome;

  for (const FileState& file : files) {
    if (!file.changed)
      continue;
    if (auto written = write_file_atomic(file.abs, file.content, Durability::Unsynced); !written)
      return std::unexpected(written.error());
    // The new file replaced the old one: keep an executable script executable.
    if (file.existed && file.perms != fs::perms::unknown) {
      fs::permissions(file.abs, file.perms, ec);
      if (ec)
        return fail(fmt::format("cannot restore the permissions of {}: {}", file.abs.string(), ec.message()));
    }
    outcome.written.push_back(file.rel);
  }
  return outcome;
}

}  // namespace

std::string ApplyOutcome::describe_failures() const {
  std::string out;
  for (const EditFailure& failure : failures) {
    if (!out.empty())
      out += '\n';
    if (failure.line > 0)
      out += fmt::format("edit {} ({}, reply line {}): {}", failure.index + 1, failure.path, failure.line,
                         failure.reason);
    else
      out += fmt::format("edit {} ({}): {}", failure.index + 1, failure.path, failure.reason);
  }
  return out;
}

Result<ApplyOutcome> apply_edits(const fs::path& root, const std::vector<Edit>& edits,
                                 const ApplyLimits& limits) {
  // The file system library throws on allocation and some path errors; a bad reply must
  // fail its draft, never the process.
  try {
    return apply_all(root, edits, limits);
  } catch (const std::exception& e) {
    return fail(fmt::format("cannot apply edits under {}: {}", root.string(), e.what()));
  }
}

}  // namespace anneal::edit
