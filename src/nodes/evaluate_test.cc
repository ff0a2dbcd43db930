#include "nodes/evaluate.h"

#include <cmath>

#include <catch2/catch.hpp>

#include "nodes/node.h"

using namespace anneal::nodes;
using Approx = Catch::Detail::Approx;

namespace {

/// The number last_number found in `output`, or NaN (which equals nothing) when none.
double number_in(std::string_view output) {
  return last_number(output).value_or(std::nan(""));
}

}  // namespace

TEST_CASE("last_number reads the score a command printed", "[nodes]") {
  SECTION("a number followed by its unit in the next token") {
    CHECK(number_in("p50 latency: 41.2 ms") == Approx(41.2));
  }
  SECTION("a unit glued to the number") {
    CHECK(number_in("72%") == Approx(72));
    CHECK(number_in("took 41.2ms") == Approx(41.2));
    CHECK(number_in("size 12KiB\n") == Approx(12));
  }
  SECTION("plain, signed and exponent forms") {
    CHECK(number_in("42") == Approx(42));
    CHECK(number_in("  -3.5  ") == Approx(-3.5));
    CHECK(number_in("+7") == Approx(7));
    CHECK(number_in("1.5e3") == Approx(1500));
    CHECK(number_in(".25") == Approx(0.25));
  }
  SECTION("the last number of several lines") {
    CHECK(number_in("warming up\nrun 1: 40.0\nrun 2: 39.5 ms\nmedian 39.75\ndone\n") == Approx(39.75));
    CHECK(number_in("score 3\r\nscore 4\r\n") == Approx(4));
    CHECK(number_in("a\t1\tb\t2\t") == Approx(2));
  }
  SECTION("tokens that only contain a number are not numbers") {
    // A token must start with the number: "score=3" and "p50" are labels, not scores.
    CHECK_FALSE(last_number("score=3").has_value());
    CHECK(number_in("score=3 and 5") == Approx(5));
    // Sentence punctuation after a number is dropped; hexadecimal ids are not scores.
    CHECK(number_in("Accuracy: 93.5%.") == Approx(93.5));
    CHECK(number_in("p50 41.2ms, p99 80ms;") == Approx(80));
    CHECK(number_in("score 7 at commit 0xdeadbeef") == Approx(7));
    CHECK(last_number("p50 p99") == std::nullopt);
    CHECK(number_in("41.2 p50") == Approx(41.2));
    // A number with other punctuation after it is not a score either.
    CHECK(last_number("1.2.3") == std::nullopt);
    CHECK(number_in("7 12:30") == Approx(7));
  }
  SECTION("no number at all") {
    CHECK_FALSE(last_number("").has_value());
    CHECK_FALSE(last_number("   \n\t ").has_value());
    CHECK_FALSE(last_number("FAILED: no result").has_value());
  }
  SECTION("infinities and NaN are not scores") {
    CHECK_FALSE(last_number("nan").has_value());
    CHECK_FALSE(last_number("inf").has_value());
    CHECK(number_in("3 -inf") == Approx(3));
    CHECK(number_in("2 1e999") == Approx(2));
  }
}

TEST_CASE("median of odd and even lists", "[nodes]") {
  CHECK(median({5}) == 5);
  CHECK(median({3, 1, 2}) == 2);
  CHECK(median({9, 1, 5, 7, 3}) == 5);
  CHECK(median({4, 1}) == 2.5);
  CHECK(median({10, 40, 20, 30}) == 25);
  CHECK(median({1, 1, 100}) == 1);
  CHECK(median({-2, -4, -6}) == -4);
}

TEST_CASE("satisfies checks a score against keep_if", "[nodes]") {
  SECTION("<") {
    CHECK(satisfies(49.9, "<", 50));
    CHECK_FALSE(satisfies(50, "<", 50));
    CHECK_FALSE(satisfies(51, "<", 50));
  }
  SECTION("<=") {
    CHECK(satisfies(49, "<=", 50));
    CHECK(satisfies(50, "<=", 50));
    CHECK_FALSE(satisfies(50.1, "<=", 50));
  }
  SECTION(">") {
    CHECK(satisfies(51, ">", 50));
    CHECK_FALSE(satisfies(50, ">", 50));
    CHECK_FALSE(satisfies(49, ">", 50));
  }
  SECTION(">=") {
    CHECK(satisfies(51, ">=", 50));
    CHECK(satisfies(50, ">=", 50));
    CHECK_FALSE(satisfies(49.9, ">=", 50));
  }
  SECTION("==") {
    CHECK(satisfies(1, "==", 1));
    CHECK_FALSE(satisfies(1.5, "==", 1));
  }
  SECTION("!=") {
    CHECK(satisfies(1.5, "!=", 1));
    CHECK_FALSE(satisfies(1, "!=", 1));
  }
  SECTION("an unknown operator is never satisfied") {
    CHECK_FALSE(satisfies(1, "=<", 2));
    CHECK_FALSE(satisfies(1, "", 2));
  }
}

TEST_CASE("a command that could not run is unfinished, one that answered is a result", "[nodes]") {
  auto ended = [](int exit_code, int signal = 0, bool timed_out = false) {
    anneal::proc::RunResult run;
    run.exit_code = exit_code;
    run.signal = signal;
    run.timed_out = timed_out;
    return unfinished_run(run);
  };
  CHECK(ended(127));           // sh: the program is not on PATH
  CHECK(ended(126));           // found but not executable
  CHECK(ended(-1, 9));         // killed
  CHECK(ended(-1, 0, true));   // timed out
  CHECK_FALSE(ended(0));
  CHECK_FALSE(ended(1));       // a gate's "no"
  CHECK_FALSE(ended(137));     // a program the command ran was killed: the command answered
}
