#include "util/secrets.h"

#include <stdlib.h>

#include <algorithm>
#include <string>

#include <catch2/catch.hpp>

#include "scoped_env.h"

using anneal::child_environment;
using anneal::looks_secret;
using anneal::redact;
using anneal::secret_variable_names;
using anneal::secret_vars_value;
using anneal::testing::ScopedEnv;

namespace {

bool has(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

TEST_CASE("names that look like secrets", "[util][secrets]") {
  for (const char* name : {"OPENAI_API_KEY", "anthropic_api_key", "API_KEY", "GITHUB_TOKEN", "ANNEAL_REMOTE_TOKEN",
                           "AWS_SECRET_ACCESS_KEY", "DB_PASSWORD", "MY_SECRET"})
    CHECK(looks_secret(name));
  for (const char* name : {"PATH", "HOME", "TOKENIZER", "KEYBOARD", "ANNEAL_SECRET_VARS"})
    CHECK_FALSE(looks_secret(name));
}

TEST_CASE("variables named in ANNEAL_SECRET_VARS are secret whatever they are called", "[util][secrets]") {
  ScopedEnv key("TEAM_LLM_CREDENTIAL", "cred-0123456789");
  ScopedEnv plain("TEAM_LLM_MODEL", "model-0123456789");
  CHECK_FALSE(has(secret_variable_names(), "TEAM_LLM_CREDENTIAL"));
  ScopedEnv named("ANNEAL_SECRET_VARS", "OTHER,TEAM_LLM_CREDENTIAL");
  CHECK(has(secret_variable_names(), "TEAM_LLM_CREDENTIAL"));
  CHECK_FALSE(has(secret_variable_names(), "TEAM_LLM_MODEL"));
  auto env = child_environment({});
  CHECK_FALSE(has(env, "TEAM_LLM_CREDENTIAL=cred-0123456789"));
  CHECK(has(env, "TEAM_LLM_MODEL=model-0123456789"));
  CHECK(has(env, "ANNEAL_SECRET_VARS=OTHER,TEAM_LLM_CREDENTIAL"));  // names are not secret
  CHECK(has(child_environment({"TEAM_LLM_CREDENTIAL"}), "TEAM_LLM_CREDENTIAL=cred-0123456789"));
  CHECK(redact("use cred-0123456789 now") == "use [redacted:TEAM_LLM_CREDENTIAL] now");
}

TEST_CASE("secret_vars_value adds the Annealfile's names to those already handed down", "[util][secrets]") {
  {
    ScopedEnv named("ANNEAL_SECRET_VARS", "B_CRED,A_CRED");
    CHECK(secret_vars_value({"C_CRED", "A_CRED"}) == "A_CRED,B_CRED,C_CRED");
  }
  ::unsetenv("ANNEAL_SECRET_VARS");
  CHECK(secret_vars_value({}) == "");
  CHECK(secret_vars_value({"X"}) == "X");
}

TEST_CASE("redact replaces every occurrence, the longest value first, and leaves short values", "[util][secrets]") {
  ScopedEnv outer("OUTER_TOKEN", "abcdefgh-ijklmnop");
  ScopedEnv inner("INNER_TOKEN", "abcdefgh");
  ScopedEnv tiny("TINY_TOKEN", "1234");
  CHECK(redact("a abcdefgh-ijklmnop b abcdefgh c abcdefgh-ijklmnopabcdefgh") ==
        "a [redacted:OUTER_TOKEN] b [redacted:INNER_TOKEN] c [redacted:OUTER_TOKEN][redacted:INNER_TOKEN]");
  // Too short to tell from ordinary output (a score of 1234): withheld, not redacted.
  CHECK(redact("score 1234") == "score 1234");
  CHECK_FALSE(has(child_environment({}), "TINY_TOKEN=1234"));
  CHECK(redact("") == "");
}
