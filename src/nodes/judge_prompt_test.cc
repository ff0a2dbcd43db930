#include "nodes/judge_prompt.h"

#include <catch2/catch.hpp>

using namespace anneal::nodes;

namespace {

const std::vector<std::string> k_criteria = {"Is it short?", "Does it use bullets?", "Is it polite?"};

std::vector<Answer> parse_forward(std::string_view reply) {
  return parse_judge_reply(reply, vote_order(3, 0));
}

}  // namespace

TEST_CASE("vote_order lists criteria forward on even votes and reversed on odd ones", "[nodes]") {
  CHECK(vote_order(3, 0) == std::vector<int>{0, 1, 2});
  CHECK(vote_order(3, 1) == std::vector<int>{2, 1, 0});
  CHECK(vote_order(3, 2) == std::vector<int>{0, 1, 2});
  CHECK(vote_order(4, 5) == std::vector<int>{3, 2, 1, 0});
  CHECK(vote_order(1, 1) == std::vector<int>{0});
  CHECK(vote_order(0, 0).empty());
}

TEST_CASE("judge_prompt shows the sample, the text and the criteria numbered in the vote's order",
          "[nodes]") {
  SECTION("forward") {
    std::string prompt = judge_prompt("How do I reset my password?\n", "Be brief.", Judged::artifact,
                                      k_criteria, vote_order(3, 0));
    CHECK(prompt ==
          "## Sample\n\nHow do I reset my password?\n\n"
          "## Text to judge\n\nBe brief.\n\n"
          "## Criteria\n\n1. Is it short?\n2. Does it use bullets?\n3. Is it polite?\n\n"
          "## Answer\n\nOne line per criterion, numbered as above: `N: YES` or `N: NO`, from 1 to 3.\n");
  }
  SECTION("reversed, judging a generated output") {
    std::string prompt = judge_prompt("sample", "- step one", Judged::output, k_criteria, vote_order(3, 1));
    CHECK(prompt.find("## Text to judge: the response to the sample\n\n- step one\n") != std::string::npos);
    CHECK(prompt.find("1. Is it polite?\n2. Does it use bullets?\n3. Is it short?\n") != std::string::npos);
  }
}

TEST_CASE("parse_judge_reply reads the answer lines", "[nodes]") {
  using enum Answer;
  SECTION("the plain format") {
    CHECK(parse_forward("1: YES\n2: NO\n3: YES\n") == std::vector{yes, no, yes});
  }
  SECTION("case, emphasis, separators and list markers") {
    CHECK(parse_forward("**1: Yes**\n2. no\n3) YES.") == std::vector{yes, no, yes});
    CHECK(parse_forward("1 - NO\n- 2: yes\n**3**: No") == std::vector{no, yes, no});
    CHECK(parse_forward("Criterion 1: YES\n#2 \u2014 NO\n`3: yes`\r\n") == std::vector{yes, no, yes});
    CHECK(parse_forward("1: [YES]\n2 = NO\n3:YES") == std::vector{yes, no, yes});
  }
  SECTION("prose around the answers is ignored") {
    CHECK(parse_forward("Here is my evaluation.\n\n1: YES\nThe text has no bullets.\n2: NO\n3: YES\n"
                        "Overall the answer is good.") == std::vector{yes, no, yes});
    // A numbered line that is not an answer does not count as one.
    CHECK(parse_forward("1. The answer is short.\n1: YES\n2: NO\n3: NO") == std::vector{yes, no, no});
  }
  SECTION("numbers refer to the vote's order and are mapped back") {
    // Reversed: "1" is the last criterion.
    CHECK(parse_judge_reply("1: YES\n2: NO\n3: NO\n", vote_order(3, 1)) == std::vector{no, no, yes});
  }
  SECTION("missing, contradictory and out-of-range answers are missing") {
    CHECK(parse_forward("1: YES\n3: NO") == std::vector{yes, missing, no});
    CHECK(parse_forward("1: YES\n2: NO\n2: YES\n3: NO\n") == std::vector{yes, missing, no});
    CHECK(parse_forward("1: YES\n1: YES\n2: NO\n3: NO\n4: YES\n0: NO") == std::vector{yes, no, no});
    CHECK(parse_forward("1: Yesterday\n2: Nothing\n3: maybe") == std::vector{missing, missing, missing});
    CHECK(parse_forward("") == std::vector{missing, missing, missing});
  }
  SECTION("complete") {
    CHECK(complete(parse_forward("1: YES\n2: NO\n3: NO")));
    CHECK_FALSE(complete(parse_forward("1: YES\n2: NO")));
  }
}
