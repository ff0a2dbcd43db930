#include "stats/json_api.h"

#include <catch2/catch.hpp>

using anneal::stats::run_verb;
using nlohmann::json;

namespace {

std::string error_of(std::string_view verb, const std::string& input) {
  auto r = run_verb(verb, json::parse(input));
  REQUIRE_FALSE(r);
  return r.error().message;
}

}  // namespace

TEST_CASE("stats verbs answer each item in order", "[stats]") {
  SECTION("wilcoxon with SciPy's defaults, on pairs or on differences") {
    auto r = run_verb("wilcoxon", json::parse(R"([
      {"x": [6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75]},
      {"x": [6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75], "alternative": "greater"},
      {"x": [1, 2, 3], "y": [1, 2, 3], "zero_method": "zsplit", "method": "approx", "correction": true},
      {"x": []}
    ])"));
    REQUIRE(r);
    REQUIRE(r->size() == 4);
    CHECK((*r)[0]["statistic"] == 24.0);
    CHECK((*r)[0]["pvalue"].get<double>() == Approx(0.041259765625));
    CHECK((*r)[1]["statistic"] == 96.0);
    CHECK((*r)[2]["pvalue"] == 1.0);
    CHECK((*r)[3]["statistic"].is_null());  // SciPy's NaN: no pairs
  }
  SECTION("beta-ppf") {
    auto r =
        run_verb("beta-ppf", json::parse(R"([{"a": 1, "b": 1, "q": 0.25}, {"a": 2, "b": 1, "q": 0.25}])"));
    REQUIRE(r);
    CHECK((*r)[0]["value"].get<double>() == Approx(0.25));
    CHECK((*r)[1]["value"].get<double>() == Approx(0.5));
  }
  SECTION("holm, alpha defaulting to 0.05") {
    auto r = run_verb(
        "holm", json::parse(R"([{"p": [0.01, 0.04, 0.03, 0.005]}, {"p": [0.01, 0.04], "alpha": 0.01}])"));
    REQUIRE(r);
    CHECK((*r)[0]["rejected"] == json::parse("[true, false, false, true]"));
    CHECK((*r)[1]["rejected"] == json::parse("[false, false]"));
    CHECK((*r)[1]["adjusted"][1].get<double>() == Approx(0.04));
  }
  SECTION("cohen-d, null when undefined") {
    auto r = run_verb("cohen-d", json::parse(R"([{"x": [2, 4, 6], "y": [1, 2, 3]}, {"x": [1, 1, 1]}])"));
    REQUIRE(r);
    CHECK((*r)[0]["d_z"].get<double>() == Approx(2.0));
    CHECK((*r)[1]["d_z"].is_null());
  }
  SECTION("an empty array gives an empty array") {
    auto r = run_verb("holm", json::array());
    REQUIRE(r);
    CHECK(*r == json::array());
  }
}

TEST_CASE("stats verbs name the item and field of bad input", "[stats]") {
  CHECK(error_of("median", "[]") ==
        "unknown stats verb \"median\" (known: wilcoxon, beta-ppf, holm, cohen-d)");
  CHECK(error_of("holm", R"({"p": [0.1]})") == "expected a JSON array of items, got object");
  CHECK(error_of("holm", R"([{"p": [0.1]}, 3])") == "item 1: expected an object, got number");
  CHECK(error_of("wilcoxon", R"([{"x": [1, 2]}, {"y": [1]}])") ==
        "item 1: field \"x\": missing (an array of numbers)");
  CHECK(error_of("wilcoxon", R"([{"x": [1, "2"]}])") ==
        "item 0: field \"x\": element 1: expected a number, got string");
  CHECK(error_of("wilcoxon", R"([{"x": [1, 2], "alternative": "up"}])") ==
        "item 0: field \"alternative\": expected one of \"two-sided\", \"greater\", \"less\", got \"up\"");
  CHECK(error_of("wilcoxon", R"([{"x": [1, 2], "correction": "yes"}])") ==
        "item 0: field \"correction\": expected true or false, got string");
  CHECK(
      error_of("wilcoxon", R"([{"x": [1, 2], "zero-method": "pratt"}])") ==
      "item 0: field \"zero-method\": unknown field (known: \"x\", \"y\", \"alternative\", \"zero_method\", "
      "\"correction\", \"method\")");
  CHECK(error_of("wilcoxon", R"([{"x": [1, 2], "y": [1]}])") ==
        "item 0: field \"y\": has 1 values but x has 2; pairs need equal lengths");
  CHECK(error_of("wilcoxon", R"([{"x": [0, 0, 0], "method": "approx"}])")
            .starts_with("item 0: every difference is zero"));
  CHECK(error_of("beta-ppf", R"([{"a": 1, "b": 0, "q": 0.5}])") ==
        "item 0: field \"b\": must be positive, got 0");
  CHECK(error_of("beta-ppf", R"([{"a": 1, "b": 1}])") == "item 0: field \"q\": missing (a number)");
  CHECK(error_of("holm", R"([{"p": [0.1, 1.2]}])") ==
        "item 0: field \"p\": element 1: a p-value must be between 0 and 1, got 1.2");
  CHECK(error_of("cohen-d", R"([{"x": [1, 2], "y": [1, 2, 3]}])") ==
        "item 0: field \"y\": has 3 values but x has 2; pairs need equal lengths");
}
