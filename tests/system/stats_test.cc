// `anneal stats`: every case of tests/reference/stats-scipy.json (SciPy 1.10.1) through the
// built binary, and bad input refused with a message naming the item and field.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "harness.h"
#include "temp_dir.h"

using namespace anneal::system_test;
using nlohmann::json;

namespace {

json reference() {
  std::ifstream in(ANNEAL_SOURCE_DIR "/tests/reference/stats-scipy.json");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

/// Runs `anneal stats VERB` with `input` on stdin.
Outcome stats(const std::string& verb, const std::string& input) {
  anneal::testing::TempDir dir;
  std::ofstream(dir.path() / "input.json") << input;
  return sh(anneal_binary() + " stats " + verb + " < input.json", dir.path());
}

/// Runs the verb and returns its parsed output, which must be an array of `count` results.
json results(const std::string& verb, const json& items) {
  Outcome o = stats(verb, items.dump());
  INFO("anneal stats " << verb << ": " << o.err);
  REQUIRE(o.status == 0);
  REQUIRE(json::accept(o.out));
  json out = json::parse(o.out);
  REQUIRE(out.is_array());
  REQUIRE(out.size() == items.size());
  return out;
}

/// The reference's tolerance: 1e-9 relative, 1e-12 absolute near zero.
bool close(const json& actual, const json& expected) {
  if (!actual.is_number())
    return false;
  double a = actual.get<double>(), e = expected.get<double>();
  return std::fabs(a - e) <= std::max(1e-9 * std::fabs(e), 1e-12);
}

}  // namespace

TEST_CASE("anneal stats wilcoxon matches SciPy on every reference case", "[system][stats]") {
  const json data = reference();
  json items = json::array(), expected = json::array();
  for (const json& c : data.at("wilcoxon")) {
    for (const json& r : c.at("results")) {
      items.push_back({{"x", c.at("x")},
                       {"y", c.at("y")},
                       {"alternative", r.at("alternative")},
                       {"zero_method", r.at("zero_method")},
                       {"correction", r.at("correction")},
                       {"method", r.at("method")}});
      expected.push_back(r);
    }
  }
  REQUIRE(items.size() == 630);
  json out = results("wilcoxon", items);
  for (size_t i = 0; i < items.size(); ++i) {
    INFO("item " << i << ": expected " << expected[i].dump() << ", got " << out[i].dump());
    CHECK(close(out[i]["statistic"], expected[i]["statistic"]));
    CHECK(close(out[i]["pvalue"], expected[i]["pvalue"]));
  }

  SECTION("without y, x holds the differences; SciPy's defaults apply") {
    const json& c = data.at("wilcoxon")[0];
    json d = json::array();
    for (size_t i = 0; i < c.at("x").size(); ++i)
      d.push_back(c.at("x")[i].get<double>() - c.at("y")[i].get<double>());
    json paired = results("wilcoxon", json::array({{{"x", c.at("x")}, {"y", c.at("y")}}, {{"x", d}}}));
    CHECK(paired[0] == paired[1]);
  }
}

TEST_CASE("anneal stats beta-ppf, holm and cohen-d match the reference", "[system][stats]") {
  json data = reference();

  json beta_items = json::array(), beta_expected = json::array();
  for (const json& c : data.at("beta_quantiles")) {
    for (const auto& [q, value] : c.at("q").items()) {
      beta_items.push_back({{"a", c.at("a")}, {"b", c.at("b")}, {"q", std::stod(q)}});
      beta_expected.push_back(value);
    }
  }
  json beta = results("beta-ppf", beta_items);
  for (size_t i = 0; i < beta_items.size(); ++i) {
    INFO(beta_items[i].dump() << " -> " << beta[i].dump());
    CHECK(close(beta[i]["value"], beta_expected[i]));
  }

  json holm_items = json::array();
  for (const json& c : data.at("holm"))
    holm_items.push_back({{"p", c.at("p")}, {"alpha", c.at("alpha")}});
  json holm = results("holm", holm_items);
  for (size_t i = 0; i < holm_items.size(); ++i) {
    const json& c = data.at("holm")[i];
    INFO(c.dump() << " -> " << holm[i].dump());
    CHECK(holm[i]["rejected"] == c.at("rejected"));
    REQUIRE(holm[i]["adjusted"].size() == c.at("adjusted").size());
    for (size_t j = 0; j < c.at("adjusted").size(); ++j)
      CHECK(close(holm[i]["adjusted"][j], c.at("adjusted")[j]));
  }

  json cohen_items = json::array();
  for (const json& c : data.at("cohen_d_paired"))
    cohen_items.push_back({{"x", c.at("x")}, {"y", c.at("y")}});
  json cohen = results("cohen-d", cohen_items);
  for (size_t i = 0; i < cohen_items.size(); ++i) {
    const json& expected = data.at("cohen_d_paired")[i].at("d_z");
    INFO(cohen_items[i].dump() << " -> " << cohen[i].dump());
    if (expected.is_null())
      CHECK(cohen[i]["d_z"].is_null());
    else
      CHECK(close(cohen[i]["d_z"], expected));
  }
}

TEST_CASE("anneal stats refuses bad input with exit status 1 and says where", "[system][stats]") {
  struct Bad {
    std::string verb, input, message;
  };
  const Bad cases[] = {
      {"wilcoxon", "not json", "stats wilcoxon: standard input is not JSON"},
      {"wilcoxon", "", "stats wilcoxon: standard input is not JSON"},
      {"holm", R"({"p": [0.1]})", "stats holm: expected a JSON array of items, got object"},
      {"median", "[]", "unknown stats verb \"median\""},
      {"wilcoxon", R"([{"x": [1, 2, 3]}, {"y": [1]}])", "stats wilcoxon: item 1: field \"x\": missing"},
      {"wilcoxon", R"([{"x": [1, 2, 3], "alternative": "sideways"}])",
       "item 0: field \"alternative\": expected one of \"two-sided\", \"greater\", \"less\", got "
       "\"sideways\""},
      {"wilcoxon", R"([{"x": [1, 2, 3], "method": "magic"}])", "item 0: field \"method\""},
      {"beta-ppf", R"([{"a": 2, "b": 3, "q": 1.5}])", "item 0: field \"q\": must be between 0 and 1"},
      {"cohen-d", R"([{"x": [1, 2], "y": [1]}])", "item 0: field \"y\": has 1 values but x has 2"},
  };
  for (const Bad& bad : cases) {
    Outcome o = stats(bad.verb, bad.input);
    INFO("anneal stats " << bad.verb << " <<< " << bad.input);
    CHECK(o.status == 1);
    CHECK(o.out.empty());
    CHECK_THAT(o.err, Catch::StartsWith("anneal: error: ") && Catch::Contains(bad.message));
  }

  SECTION("a missing verb is a usage error") {
    Outcome o = stats("", "[]");
    CHECK(o.status == 2);
  }
}
