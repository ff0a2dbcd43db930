// Every case of tests/reference/stats-scipy.json (SciPy 1.10.1) through the library.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "stats/beta.h"
#include "stats/effect_size.h"
#include "stats/holm.h"
#include "stats/wilcoxon.h"

using namespace anneal::stats;
using nlohmann::json;

namespace {

const json& reference() {
  static const json data = [] {
    std::ifstream in(ANNEAL_SOURCE_DIR "/tests/reference/stats-scipy.json");
    REQUIRE(in);
    std::stringstream text;
    text << in.rdbuf();
    return json::parse(text.str());
  }();
  return data;
}

/// The reference's tolerance: 1e-9 relative, 1e-12 absolute near zero.
bool close(double actual, double expected) {
  return std::fabs(actual - expected) <= std::max(1e-9 * std::fabs(expected), 1e-12);
}

std::vector<double> numbers(const json& v) {
  return v.get<std::vector<double>>();
}

}  // namespace

TEST_CASE("wilcoxon matches SciPy on every reference case", "[stats]") {
  const json& cases = reference().at("wilcoxon");
  REQUIRE(cases.size() >= 30);
  size_t checked = 0;
  for (size_t c = 0; c < cases.size(); ++c) {
    std::vector<double> x = numbers(cases[c].at("x")), y = numbers(cases[c].at("y"));
    for (const json& expected : cases[c].at("results")) {
      WilcoxonOptions options;
      options.alternative = *parse_alternative(expected.at("alternative").get<std::string>());
      options.zero_method = *parse_zero_method(expected.at("zero_method").get<std::string>());
      options.method = *parse_wilcoxon_method(expected.at("method").get<std::string>());
      options.correction = expected.at("correction").get<bool>();
      auto got = wilcoxon(x, y, options);
      INFO("case " << c << " (" << cases[c].at("kind").get<std::string>() << ", n = " << x.size()
                   << "): " << expected.dump());
      REQUIRE(got);
      INFO("got statistic " << got->statistic << ", p " << got->pvalue);
      CHECK(close(got->statistic, expected.at("statistic").get<double>()));
      CHECK(close(got->pvalue, expected.at("pvalue").get<double>()));
      ++checked;
    }
  }
  CHECK(checked == 630);
}

TEST_CASE("beta_ppf matches SciPy on every reference quantile", "[stats]") {
  const json& cases = reference().at("beta_quantiles");
  REQUIRE(cases.size() >= 30);
  for (const json& c : cases) {
    double a = c.at("a").get<double>(), b = c.at("b").get<double>();
    for (const auto& [q, expected] : c.at("q").items()) {
      auto got = beta_ppf(a, b, std::stod(q));
      INFO("Beta(" << a << ", " << b << ") at " << q);
      REQUIRE(got);
      CHECK(close(*got, expected.get<double>()));
    }
  }
}

TEST_CASE("holm matches the reference rejections and adjusted p-values", "[stats]") {
  const json& cases = reference().at("holm");
  REQUIRE(cases.size() >= 30);
  for (const json& c : cases) {
    auto got = holm(numbers(c.at("p")), c.at("alpha").get<double>());
    INFO(c.dump());
    REQUIRE(got);
    CHECK(got->rejected == c.at("rejected").get<std::vector<bool>>());
    std::vector<double> adjusted = numbers(c.at("adjusted"));
    REQUIRE(got->adjusted.size() == adjusted.size());
    for (size_t i = 0; i < adjusted.size(); ++i)
      CHECK(close(got->adjusted[i], adjusted[i]));
  }
}

TEST_CASE("cohen_d_paired matches the reference d_z", "[stats]") {
  const json& cases = reference().at("cohen_d_paired");
  REQUIRE(cases.size() >= 30);
  for (const json& c : cases) {
    auto got = cohen_d_paired(numbers(c.at("x")), numbers(c.at("y")));
    INFO(c.dump());
    REQUIRE(got);
    if (c.at("d_z").is_null()) {
      CHECK_FALSE(got->has_value());
    } else {
      REQUIRE(got->has_value());
      CHECK(close(**got, c.at("d_z").get<double>()));
    }
  }
}
