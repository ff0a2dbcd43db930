#include "cache/remote_store.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <system_error>
#include <utility>

#include "cache/cache_gc.h"
#include "cache/entry.h"
#include "util/curl_support.h"
#include "util/file.h"

namespace anneal::cache {

namespace fs = std::filesystem;

struct RemoteStore::Reply {
  long status = 0;
  std::string body;
};

namespace {

/// A transfer that moves less than this many bytes per second for k_stall_s seconds is
/// stalled: a server that accepted the connection and went quiet cannot hold a node for the
/// whole timeout.
constexpr long k_stall_bytes_per_s = 1;
constexpr long k_stall_s = 10;

/// A GET's body as it arrives, up to `limit` bytes: past it the transfer is cut (returning
/// short makes libcurl stop with CURLE_WRITE_ERROR), so memory stays bounded whatever the
/// server sends, Content-Length or an endless chunked body.
struct BoundedBody {
  std::string* body;
  uint64_t limit;
  bool cut = false;
};

size_t append_bounded(char* data, size_t size, size_t count, void* user) {
  auto& sink = *static_cast<BoundedBody*>(user);
  size_t n = size * count;
  if (sink.body->size() + n > sink.limit) {
    sink.cut = true;
    return 0;
  }
  sink.body->append(data, n);
  return n;
}

size_t read_body(char* buffer, size_t size, size_t count, void* user) {
  auto& rest = *static_cast<std::string_view*>(user);
  size_t n = std::min(size * count, rest.size());
  std::memcpy(buffer, rest.data(), n);
  rest.remove_prefix(n);
  return n;
}

/// Milliseconds for a curl timeout; never 0, which curl reads as "no timeout".
long timeout_ms(double seconds) {
  return std::max(1L, std::lround(seconds * 1000));
}

bool is_success(long status) {
  return status >= 200 && status < 300;
}

/// `url` without a "user:password@" part, which must not reach a message.
std::string without_userinfo(std::string url) {
  size_t scheme = url.find("://");
  size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  size_t end = std::min(url.find_first_of("/?#", start), url.size());
  size_t at = url.find('@', start);
  if (at != std::string::npos && at < end)
    url.erase(start, at + 1 - start);
  return url;
}

std::string area_path(std::string_view area, const Digest& digest) {
  return fmt::format("{}/{}", area, digest.hex());
}

/// Creates the marker holding `reason`. True when this process created it (and so is the
/// one to warn) or could not create it at all (then nobody else will have warned either).
bool claim_marker(const fs::path& marker, const std::string& reason) {
  (void)make_dirs(marker.parent_path());
  int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    return errno != EEXIST;
  std::string line = reason + "\n";
  // The marker's existence is what counts; the reason is for a human, so a short write is fine.
  [[maybe_unused]] ssize_t written = ::write(fd, line.data(), line.size());
  ::close(fd);
  return true;
}

}  // namespace

void RemoteStore::CurlDeleter::operator()(void* handle) const {
  curl_easy_cleanup(static_cast<CURL*>(handle));
}

RemoteStore::RemoteStore(RemoteOptions options)
    : m_options(std::move(options)), m_display_url(without_userinfo(m_options.url)) {
  m_base = m_options.url;
  while (m_base.ends_with('/'))
    m_base.pop_back();
  m_disabled = m_base.empty();
  init_curl_once();
  m_handle.reset(curl_easy_init());
}

RemoteStore::~RemoteStore() = default;

bool RemoteStore::usable() const {
  if (m_disabled)
    return false;
  std::error_code ec;
  if (m_options.down_marker.empty() || !fs::exists(m_options.down_marker, ec))
    return true;
  m_disabled = true;
  if (m_options.announce_marked) {
    std::string why = read_file_if_exists(m_options.down_marker).value_or("a request failed");
    while (!why.empty() && (why.back() == '\n' || why.back() == '\r'))
      why.pop_back();
    warn(why);
  }
  return false;
}

std::optional<std::string> RemoteStore::get_action(const Digest& key) {
  std::string path = area_path("ac", key);
  std::optional<std::string> body = fetch(path);
  if (!body)
    return std::nullopt;
  Result<Entry> entry = decode_entry(*body);
  // Bound to the key asked for: a valid entry of another node is as wrong as a corrupt one.
  if (!entry || !entry->is(EntryKind::Action, key, /*legacy=*/false)) {
    m_bad_paths.insert(path);
    return std::nullopt;
  }
  return std::move(entry->payload);
}

std::optional<std::string> RemoteStore::get_blob(const Digest& digest) {
  std::string path = area_path("cas", digest);
  std::optional<std::string> body = fetch(path);
  if (!body)
    return std::nullopt;
  Result<Entry> entry = decode_entry(*body);
  if (!entry || !entry->is(EntryKind::Blob, digest, /*legacy=*/false) || digest_of(entry->payload) != digest) {
    m_bad_paths.insert(path);
    return std::nullopt;
  }
  return std::move(entry->payload);
}

void RemoteStore::put_action(const Digest& key, std::string_view payload) {
  if (m_options.read_only || payload.size() > m_options.max_entry_size || !usable())
    return;
  upload(area_path("ac", key), encode_entry(EntryKind::Action, key, payload));
}

void RemoteStore::put_blob(const Digest& digest, std::string_view bytes) {
  // An entry others could not download is not uploaded: it stays in the local cache only.
  if (m_options.read_only || bytes.size() > m_options.max_entry_size || !usable())
    return;
  upload(area_path("cas", digest), encode_entry(EntryKind::Blob, digest, bytes));
}

std::optional<std::string> RemoteStore::fetch(std::string_view path) {
  if (!usable())
    return std::nullopt;
  std::optional<Reply> reply = request("GET", std::string(path), {});
  if (!reply || reply->status == 404)
    return std::nullopt;
  if (!is_success(reply->status)) {
    disable(fmt::format("GET {}: HTTP {}", path, reply->status));
    return std::nullopt;
  }
  return std::move(reply->body);
}

void RemoteStore::upload(const std::string& path, std::string body) {
  // A path whose entry was found bad is overwritten: HEAD would call it present forever.
  if (!m_bad_paths.contains(path)) {
    std::optional<Reply> head = request("HEAD", path, {});
    if (!head || is_success(head->status))
      return;
    if (head->status != 404) {
      disable(fmt::format("HEAD {}: HTTP {}", path, head->status));
      return;
    }
  }
  std::optional<Reply> put = request("PUT", path, body);
  if (!put)
    return;
  if (!is_success(put->status)) {
    disable(fmt::format("PUT {}: HTTP {}", path, put->status));
    return;
  }
  m_bad_paths.erase(path);
}

std::optional<RemoteStore::Reply> RemoteStore::request(const char* method, const std::string& path,
                                                      std::string_view body) {
  CURL* curl = static_cast<CURL*>(m_handle.get());
  if (curl == nullptr) {
    disable("cannot start libcurl");
    return std::nullopt;
  }
  curl_easy_reset(curl);  // keeps open connections, forgets the last request's options
  CurlHeaderList headers;
  if (!m_options.token.empty())
    headers.append("Authorization: Bearer " + m_options.token);
  // An upload would otherwise wait for "100 Continue", which WebDAV servers may not send.
  headers.append("Expect:");

  std::string url = m_base + "/" + path;
  Reply reply;
  std::string_view rest = body;
  char error_buffer[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms(m_options.connect_timeout_s));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms(m_options.timeout_s));
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, k_stall_bytes_per_s);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, k_stall_s);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  // An entry's bytes are its payload plus a header and checksum of under 64 bytes.
  BoundedBody sink{&reply.body, m_options.max_entry_size + 64};
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_bounded);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  if (std::string_view(method) == "GET")
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(sink.limit));
  if (std::string_view(method) == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (std::string_view(method) == "PUT") {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_body);
    curl_easy_setopt(curl, CURLOPT_READDATA, &rest);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }

  CURLcode code = curl_easy_perform(curl);
  // The options point into this frame; leave nothing dangling in the reused handle.
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, nullptr);
  curl_easy_setopt(curl, CURLOPT_READDATA, nullptr);
  if (code != CURLE_OK) {
    std::string what = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
    if (sink.cut || code == CURLE_FILESIZE_EXCEEDED)
      what = fmt::format("the body is larger than cache.max_entry_size ({}); cut", cache::size_text(m_options.max_entry_size));
    disable(fmt::format("{} {}: {}", method, path, what));
    return std::nullopt;
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

void RemoteStore::disable(const std::string& reason) {
  m_disabled = true;
  std::string why = redacted(reason);
  // The warning is one line whatever the server or libcurl put in the reason.
  std::replace_if(why.begin(), why.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  if (!m_options.down_marker.empty() && !claim_marker(m_options.down_marker, why))
    return;  // another process failed first and warned
  warn(why);
}

void RemoteStore::warn(const std::string& why) const {
  std::string line = redacted(fmt::format(
      "anneal: warning: remote cache {} unusable ({}); continuing with the local cache only\n", m_display_url,
      why));
  std::fputs(line.c_str(), stderr);
}

std::string RemoteStore::redacted(std::string text) const {
  const std::string& token = m_options.token;
  if (token.empty())
    return text;
  constexpr std::string_view k_mask = "<token>";
  for (size_t at = text.find(token); at != std::string::npos; at = text.find(token, at + k_mask.size()))
    text.replace(at, token.size(), k_mask);
  return text;
}

}  // namespace anneal::cache
