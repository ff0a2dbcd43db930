#include "nodes/tune.h"

#include <stdlib.h>

#include <cmath>
#include <regex>
#include <set>

#include <catch2/catch.hpp>

#include "temp_dir.h"

#include "util/file.h"

using namespace anneal::nodes;
namespace fs = std::filesystem;

namespace {

/// A memory-backed scratch folder when possible (the bounds test writes a thousand times).
class TempDir : public anneal::testing::TempDir {
 public:
  TempDir() : anneal::testing::TempDir(shm_or_tmp()) {}
  void write(const std::string& name, const std::string& text) const {
    REQUIRE(anneal::write_file_atomic(path() / name, text));
  }
  std::string read(const std::string& name) const { return *anneal::read_file(path() / name); }

 private:
  static fs::path shm_or_tmp() {
    std::error_code ec;
    return fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
  }
};

const std::string k_config = "# tuning\nthreads = 8\nratio = 0.5\nname = fast\n";

TuneParam threads() { return {"cfg.ini", "threads = ([0-9]+)", 1, 64, true}; }
TuneParam ratio() { return {"cfg.ini", "ratio = ([0-9.e-]+)", 0, 1, false}; }

double captured(const std::string& text, const std::string& pattern) {
  std::smatch m;
  REQUIRE(std::regex_search(text, m, std::regex(pattern)));
  return std::stod(m[1].str());
}

}  // namespace

TEST_CASE("tune changes a parameter in place and describes it", "[nodes]") {
  TempDir dir;
  dir.write("cfg.ini", k_config);
  auto result = tune({threads()}, dir.path(), 1, 5);
  REQUIRE(result);
  REQUIRE(result->edits.size() == 1);
  const TuneEdit& edit = result->edits[0];
  CHECK(edit.file == "cfg.ini");
  CHECK(edit.old_text == "8");
  CHECK(edit.new_text != "8");
  CHECK(result->hypothesis == "tune: threads 8 -> " + edit.new_text + " in cfg.ini");
  std::string expected = k_config;
  expected.replace(expected.find("8"), 1, edit.new_text);
  CHECK(dir.read("cfg.ini") == expected);  // everything else, trailing newline included
}

TEST_CASE("tune keeps parameters in bounds and integers whole over many seeds", "[nodes]") {
  TempDir dir;
  std::vector<TuneParam> params = {threads(), ratio()};
  SECTION("full steps") {
    for (uint64_t seed = 0; seed < 1000; ++seed) {
      dir.write("cfg.ini", k_config);
      auto result = tune(params, dir.path(), 1, seed);
      REQUIRE(result);
      REQUIRE_FALSE(result->edits.empty());
      std::string text = dir.read("cfg.ini");
      std::smatch m;
      REQUIRE(std::regex_search(text, m, std::regex("threads = ([0-9]+)\n")));
      double t = std::stod(m[1].str());
      REQUIRE(t >= 1);
      REQUIRE(t <= 64);
      REQUIRE(t == std::floor(t));
      double r = captured(text, "ratio = ([0-9.e-]+)\n");
      REQUIRE(r >= 0);
      REQUIRE(r <= 1);
      REQUIRE(text != k_config);
    }
  }
  SECTION("at a bound the parameter moves the other way") {
    for (uint64_t seed = 0; seed < 200; ++seed) {
      dir.write("cfg.ini", "threads = 64\n");
      auto result = tune({threads()}, dir.path(), 0.02, seed);
      REQUIRE(result);
      double t = captured(dir.read("cfg.ini"), "threads = ([0-9]+)");
      REQUIRE(t < 64);
      REQUIRE(t >= 1);
    }
  }
  SECTION("a small step_scale makes small steps") {
    double total = 0;
    for (uint64_t seed = 0; seed < 200; ++seed) {
      dir.write("cfg.ini", k_config);
      REQUIRE(tune({ratio()}, dir.path(), 0.02, seed));
      total += std::fabs(captured(dir.read("cfg.ini"), "ratio = ([0-9.e-]+)") - 0.5);
    }
    CHECK(total / 200 < 0.02);  // σ = 0.01, so the mean |step| is about 0.008
  }
}

TEST_CASE("tune is deterministic in its seed", "[nodes]") {
  TempDir a, b;
  std::vector<TuneParam> params = {threads(), ratio()};
  a.write("cfg.ini", k_config);
  b.write("cfg.ini", k_config);
  REQUIRE(tune(params, a.path(), 0.7, 99));
  REQUIRE(tune(params, b.path(), 0.7, 99));
  CHECK(a.read("cfg.ini") == b.read("cfg.ini"));

  // Two seeds agree only when both leave the real alone and step the integer alike.
  std::set<std::string> outcomes;
  for (uint64_t seed = 100; seed < 120; ++seed) {
    b.write("cfg.ini", k_config);
    REQUIRE(tune(params, b.path(), 0.7, seed));
    outcomes.insert(b.read("cfg.ini"));
  }
  CHECK(outcomes.size() >= 15);
}

TEST_CASE("tune writes numbers the pattern can find again", "[nodes]") {
  TempDir dir;
  SECTION("reals have at most 6 significant digits") {
    for (uint64_t seed = 0; seed < 50; ++seed) {
      dir.write("p.txt", "lr=0.001\n");
      auto result = tune({{"p.txt", "lr=([0-9.e+-]+)", 1e-6, 1, false}}, dir.path(), 1, seed);
      REQUIRE(result);
      std::string text = result->edits[0].new_text;
      auto digits =
          std::count_if(text.begin(), text.begin() + std::min(text.find('e'), text.size()),
                        [](char c) { return c >= '1' && c <= '9'; });
      CHECK(digits <= 6);
    }
  }
  SECTION("a pattern without an exponent gets positional notation") {
    dir.write("p.txt", "eps=0.00002\n");
    auto result = tune({{"p.txt", "eps=([0-9.]+)", 0, 0.00004, false}}, dir.path(), 1, 3);
    REQUIRE(result);
    CHECK(result->edits[0].new_text.find('e') == std::string::npos);
    CHECK(tune({{"p.txt", "eps=([0-9.]+)", 0, 0.00004, false}}, dir.path(), 1, 4));
  }
  SECTION("a real keeps its decimal point") {
    dir.write("p.toml", "scale = 2.0\n");
    auto result = tune({{"p.toml", "scale = ([0-9.]+)", 1, 3, false}}, dir.path(), 1, 8);
    REQUIRE(result);
    CHECK(result->edits[0].new_text.find('.') != std::string::npos);
  }
}

TEST_CASE("tune edits several parameters of one file and stays binary-safe", "[nodes]") {
  TempDir dir;
  std::string binary = std::string("a=1\0b=2\r\n", 10) + "\xff\xfe tail";
  dir.write("bin.dat", binary);
  std::vector<TuneParam> params = {{"bin.dat", "a=([0-9]+)", 0, 100, true},
                                   {"bin.dat", "b=([0-9]+)", 0, 100, true}};
  auto result = tune(params, dir.path(), 1, 11);
  REQUIRE(result);
  std::string text = dir.read("bin.dat");
  std::string expected = binary;
  // Everything around the two numbers is byte-for-byte what it was.
  for (const char* name : {"a=", "b="}) {
    size_t at = expected.find(name) + 2;
    size_t end = expected.find_first_not_of("0123456789", at);
    size_t new_at = text.find(name) + 2;
    size_t new_end = text.find_first_not_of("0123456789", new_at);
    expected.replace(at, end - at, text.substr(new_at, new_end - new_at));
  }
  CHECK(text == expected);
  CHECK(text != binary);
  CHECK(text.ends_with("\xff\xfe tail"));
}

TEST_CASE("tune reports configuration problems without touching files", "[nodes]") {
  TempDir dir;
  dir.write("cfg.ini", k_config);

  SECTION("missing file") {
    auto result = tune({{"missing.ini", "x = ([0-9]+)", 0, 1, true}}, dir.path(), 1, 0);
    REQUIRE_FALSE(result);
    CHECK_THAT(result.error().message,
               Catch::StartsWith("tune: cannot read ") && Catch::Contains("missing.ini"));
  }
  SECTION("pattern does not match") {
    auto result = tune({{"cfg.ini", "workers = ([0-9]+)", 0, 9, true}}, dir.path(), 1, 0);
    REQUIRE_FALSE(result);
    CHECK(result.error().message ==
          "tune: cfg.ini: pattern 'workers = ([0-9]+)' matches 0 times; it must match exactly "
          "once");
  }
  SECTION("pattern matches twice") {
    auto result = tune({{"cfg.ini", "= ([0-9.]+)", 0, 9, false}}, dir.path(), 1, 0);
    REQUIRE_FALSE(result);
    CHECK(result.error().message ==
          "tune: cfg.ini: pattern '= ([0-9.]+)' matches 2 times; it must match exactly once");
  }
  SECTION("capture is not a number") {
    auto result = tune({{"cfg.ini", "name = (\\w+)", 0, 9, false}}, dir.path(), 1, 0);
    REQUIRE_FALSE(result);
    CHECK(result.error().message ==
          "tune: cfg.ini: pattern 'name = (\\w+)' captured 'fast', which is not a number");
  }
  SECTION("pattern without a capture group or invalid") {
    CHECK_FALSE(tune({{"cfg.ini", "threads = [0-9]+", 0, 9, true}}, dir.path(), 1, 0));
    CHECK_FALSE(tune({{"cfg.ini", "threads = ([0-9]+", 0, 9, true}}, dir.path(), 1, 0));
  }
  SECTION("a later parameter's error leaves the earlier one unwritten") {
    auto result =
        tune({threads(), {"cfg.ini", "nothing = ([0-9]+)", 0, 9, true}}, dir.path(), 1, 0);
    REQUIRE_FALSE(result);
  }
  SECTION("paths outside the worktree are refused") {
    CHECK_FALSE(tune({{"../cfg.ini", "threads = ([0-9]+)", 1, 64, true}}, dir.path(), 1, 0));
    CHECK_FALSE(tune({{"/etc/passwd", "root:([0-9]+)", 1, 64, true}}, dir.path(), 1, 0));
  }
  SECTION("a new value the pattern cannot match again") {
    dir.write("neg.ini", "offset = 0\n");
    auto result = tune({{"neg.ini", "offset = ([0-9]+)", -5, -1, true}}, dir.path(), 1, 0);
    REQUIRE_FALSE(result);
    CHECK_THAT(result.error().message, Catch::Contains("widen the pattern"));
    CHECK(dir.read("neg.ini") == "offset = 0\n");
  }
  CHECK(dir.read("cfg.ini") == k_config);
}

TEST_CASE("tune edits a number at the end of a 50,000-character line", "[nodes]") {
  TempDir dir;
  std::string line = std::string(50'000, '#') + " threads = 8";
  dir.write("long.ini", line + "\n");
  auto result = tune({{"long.ini", "^.*threads = ([0-9]+)", 1, 64, true}}, dir.path(), 1, 3);
  REQUIRE(result);
  REQUIRE(result->edits.size() == 1);
  CHECK(dir.read("long.ini") == std::string(50'000, '#') + " threads = " +
                                    result->edits[0].new_text + "\n");
}
