#include "dashboard/access_token.h"

#include <catch2/catch.hpp>

using namespace anneal::dashboard;

namespace {

TokenCarriers in_query(const std::string& value) {
  TokenCarriers c;
  c.query = value;
  return c;
}
TokenCarriers in_cookie(const std::string& header) {
  TokenCarriers c;
  c.cookie_header = header;
  return c;
}
TokenCarriers in_authorization(const std::string& header) {
  TokenCarriers c;
  c.authorization = header;
  return c;
}

}  // namespace

TEST_CASE("only loopback addresses go without a token", "[dashboard]") {
  CHECK(is_loopback("127.0.0.1"));
  CHECK(is_loopback("127.1.2.3"));
  CHECK(is_loopback("localhost"));
  CHECK(is_loopback("::1"));
  CHECK(is_loopback("[::1]"));
  CHECK_FALSE(is_loopback("0.0.0.0"));
  CHECK_FALSE(is_loopback("::"));
  CHECK_FALSE(is_loopback("192.168.1.5"));
  CHECK_FALSE(is_loopback("127.0.0.1.evil.example"));
  CHECK_FALSE(is_loopback("localhost.evil.example"));
  CHECK_FALSE(is_loopback(""));
}

TEST_CASE("tokens are 128 random bits, and a request carries one in the query, a cookie or a bearer header",
          "[dashboard]") {
  std::string token = new_token();
  CHECK(token.size() == 32);
  CHECK(token.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(new_token() != token);

  CHECK_FALSE(carries_token({}, token, 8080));
  CHECK(carries_token(in_query(token), token, 8080));
  CHECK_FALSE(carries_token(in_query(token.substr(1)), token, 8080));
  CHECK_FALSE(carries_token(in_query(""), token, 8080));
  SECTION("the cookie is the port's") {
    CHECK(carries_token(in_cookie("anneal_token_8080=" + token), token, 8080));
    CHECK(carries_token(in_cookie("a=1; anneal_token_8080=" + token + "; b=2"), token, 8080));
    CHECK_FALSE(carries_token(in_cookie("anneal_token_8081=" + token), token, 8080));
    CHECK_FALSE(carries_token(in_cookie("xanneal_token_8080=" + token), token, 8080));
    CHECK_FALSE(carries_token(in_cookie("anneal_token_8080=" + token + "0"), token, 8080));
  }
  SECTION("bearer") {
    CHECK(carries_token(in_authorization("Bearer " + token), token, 8080));
    CHECK_FALSE(carries_token(in_authorization("Basic " + token), token, 8080));
    CHECK_FALSE(carries_token(in_authorization(token), token, 8080));
  }
}
