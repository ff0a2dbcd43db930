#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace anneal::dashboard {

/// Whether `host` (what --host names) is this machine's loopback: 127.0.0.0/8, ::1, localhost.
/// Only there does the dashboard answer without a token.
bool is_loopback(std::string_view host);

/// A fresh token: 128 random bits from the kernel, as 32 hex digits.
std::string new_token();

/// The cookie that keeps the token after the first visit. Named after the port, so two
/// dashboards on one host do not overwrite each other's.
std::string token_cookie_name(int port);

/// What a request carries: `?token=`, a `Cookie` header and an `Authorization: Bearer` header.
struct TokenCarriers {
  std::optional<std::string> query;
  std::optional<std::string> cookie_header;
  std::optional<std::string> authorization;
};

/// Whether one of `carriers` holds `token` (compared in constant time).
bool carries_token(const TokenCarriers& carriers, const std::string& token, int port);

}  // namespace anneal::dashboard
