#include "dashboard/access_token.h"

#include <sys/random.h>

#include <arpa/inet.h>

#include <fmt/format.h>

namespace anneal::dashboard {

namespace {

bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

/// The value of cookie `name` in a Cookie header ("a=1; anneal_token_8080=…").
std::optional<std::string_view> cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    size_t end = header.find(';');
    std::string_view pair = header.substr(0, end);
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ')
      pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=')
      return pair.substr(name.size() + 1);
  }
  return std::nullopt;
}

}  // namespace

bool is_loopback(std::string_view host) {
  if (host == "localhost" || host == "::1" || host == "[::1]")
    return true;
  in_addr address{};
  std::string text(host);
  return ::inet_pton(AF_INET, text.c_str(), &address) == 1 && (ntohl(address.s_addr) >> 24) == 127;
}

std::string new_token() {
  unsigned char bytes[16];
  size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n > 0)
      got += static_cast<size_t>(n);
  }
  std::string hex;
  for (unsigned char b : bytes)
    hex += fmt::format("{:02x}", b);
  return hex;
}

std::string token_cookie_name(int port) { return fmt::format("anneal_token_{}", port); }

bool carries_token(const TokenCarriers& carriers, const std::string& token, int port) {
  if (carriers.query && same_secret(*carriers.query, token))
    return true;
  if (carriers.cookie_header)
    if (auto value = cookie_value(*carriers.cookie_header, token_cookie_name(port)); value && same_secret(*value, token))
      return true;
  constexpr std::string_view bearer = "Bearer ";
  return carriers.authorization && carriers.authorization->starts_with(bearer) &&
         same_secret(std::string_view(*carriers.authorization).substr(bearer.size()), token);
}

}  // namespace anneal::dashboard
