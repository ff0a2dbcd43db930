#include "llm/pricing.h"

#include <stdlib.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <optional>
#include <string>

#include "alias_bomb.h"
#include "scoped_env.h"
#include "temp_dir.h"
#include "util/file.h"

namespace anneal::llm {

namespace {

namespace fs = std::filesystem;

using anneal::testing::TempDir;

using anneal::testing::ScopedEnv;

void check_price(const std::optional<Price>& price, double input, double output) {
  REQUIRE(price);
  CHECK(price->input_per_mtok == Approx(input));
  CHECK(price->output_per_mtok == Approx(output));
}

fs::path write_pricing(const TempDir& dir, const std::string& text) {
  fs::path file = dir.path() / "pricing.yaml";
  REQUIRE(write_file_atomic(file, text, Durability::Unsynced));
  return file;
}

}  // namespace

TEST_CASE("a dated snapshot costs what its model costs", "[llm]") {
  PriceTable table = PriceTable::defaults();

  SECTION("exact names") {
    check_price(table.find(Provider::openai, "gpt-4.1"), 2.00, 8.00);
    check_price(table.find(Provider::openai, "gpt-4.1-mini"), 0.40, 1.60);
    check_price(table.find(Provider::anthropic, "claude-sonnet-4-5"), 3, 15);
  }
  SECTION("the longest known prefix wins, so a mini snapshot is not priced as the full model") {
    check_price(table.find(Provider::openai, "gpt-4.1-mini-2025-04-14"), 0.40, 1.60);
    check_price(table.find(Provider::openai, "gpt-4.1-nano-2025-04-14"), 0.10, 0.40);
    check_price(table.find(Provider::openai, "gpt-4.1-2025-04-14"), 2.00, 8.00);
    check_price(table.find(Provider::openai, "gpt-5-mini-2025-08-07"), 0.25, 2.00);
    check_price(table.find(Provider::openai, "gpt-5-2025-08-07"), 1.25, 10.00);
    check_price(table.find(Provider::openai, "gpt-4o-mini-2024-07-18"), 0.15, 0.60);
    check_price(table.find(Provider::openai, "o3-mini-2025-01-31"), 1.10, 4.40);
    check_price(table.find(Provider::openai, "o3-2025-04-16"), 2.00, 8.00);
  }
  SECTION("Anthropic snapshots and aliases") {
    check_price(table.find(Provider::anthropic, "claude-sonnet-4-5-20250929"), 3, 15);
    check_price(table.find(Provider::anthropic, "claude-haiku-4-5-20251001"), 1, 5);
    check_price(table.find(Provider::anthropic, "claude-3-5-haiku-20241022"), 0.80, 4);
    check_price(table.find(Provider::anthropic, "claude-3-5-haiku-latest"), 0.80, 4);
    check_price(table.find(Provider::anthropic, "claude-opus-4-1-20250805"), 15, 75);
    check_price(table.find(Provider::anthropic, "claude-opus-4-20250514"), 15, 75);
    check_price(table.find(Provider::anthropic, "claude-opus-4-0"), 15, 75);
    // Opus 4.5 is a third of Opus 4.1's price although both start with "claude-opus-4".
    check_price(table.find(Provider::anthropic, "claude-opus-4-5-20251101"), 5, 25);
    check_price(table.find(Provider::anthropic, "claude-sonnet-4-20250514"), 3, 15);
  }
  SECTION("a later version is not priced as an earlier one") {
    PriceTable only_gpt5;
    only_gpt5.set(Provider::openai, "gpt-5", {1.25, 10});
    CHECK_FALSE(only_gpt5.find(Provider::openai, "gpt-5.9"));
    CHECK_FALSE(only_gpt5.find(Provider::openai, "gpt-50"));
    CHECK_FALSE(only_gpt5.find(Provider::openai, "gpt-5o"));
    check_price(only_gpt5.find(Provider::openai, "gpt-5-chat-latest"), 1.25, 10);
    CHECK_FALSE(table.find(Provider::openai, "gpt-4"));  // gpt-4.1 and gpt-4o are not its snapshots
  }
  SECTION("unknown models and the other provider's models have no price") {
    CHECK_FALSE(table.find(Provider::openai, "llama3.1:8b"));
    CHECK_FALSE(table.find(Provider::openai, ""));
    CHECK_FALSE(table.find(Provider::anthropic, "gpt-4.1"));
    CHECK_FALSE(table.find(Provider::openai, "claude-sonnet-4-5"));
  }
}

TEST_CASE("cost_usd charges input and output at their own rates", "[llm]") {
  Price price{0.40, 1.60};
  CHECK(cost_usd(price, 1'000'000, 0) == Approx(0.40));
  CHECK(cost_usd(price, 0, 1'000'000) == Approx(1.60));
  CHECK(cost_usd(price, 1'000'000, 500'000) == Approx(1.20));
  CHECK(cost_usd({3, 15}, 1234, 567) == Approx(0.003702 + 0.008505));
  CHECK(cost_usd({3, 15}, 0, 0) == 0.0);
  CHECK(cost_usd({0, 0}, 5'000'000, 5'000'000) == 0.0);
}

TEST_CASE("pricing.yaml replaces and adds prices", "[llm]") {
  TempDir dir;
  PriceTable table = PriceTable::defaults();

  SECTION("a listed model is replaced, a new one added, the rest kept") {
    fs::path file = write_pricing(dir,
                                  "# negotiated rates\n"
                                  "openai:\n"
                                  "  gpt-4.1-mini: {input: 0.30, output: 1.20}\n"
                                  "  my-finetune: {input: 4, output: 16}\n"
                                  "anthropic:\n"
                                  "  claude-sonnet-4-5:\n"
                                  "    input: 2.5\n"
                                  "    output: 12.5\n");
    REQUIRE(table.overlay_file(file));
    check_price(table.find(Provider::openai, "gpt-4.1-mini"), 0.30, 1.20);
    check_price(table.find(Provider::openai, "gpt-4.1-mini-2025-04-14"), 0.30, 1.20);
    check_price(table.find(Provider::openai, "my-finetune"), 4, 16);
    check_price(table.find(Provider::openai, "my-finetune-v2"), 4, 16);
    check_price(table.find(Provider::anthropic, "claude-sonnet-4-5-20250929"), 2.5, 12.5);
    check_price(table.find(Provider::openai, "gpt-4.1"), 2.00, 8.00);
    check_price(table.find(Provider::anthropic, "claude-haiku-4-5"), 1, 5);
  }
  SECTION("a missing file changes nothing") {
    REQUIRE(table.overlay_file(dir.path() / "no-such.yaml"));
    check_price(table.find(Provider::openai, "gpt-4.1-mini"), 0.40, 1.60);
  }
  SECTION("an empty file or one with only comments changes nothing") {
    REQUIRE(table.overlay_file(write_pricing(dir, "")));
    REQUIRE(table.overlay_file(write_pricing(dir, "# nothing yet\n")));
    REQUIRE(table.overlay_file(write_pricing(dir, "openai:\n")));
    check_price(table.find(Provider::openai, "gpt-4.1-mini"), 0.40, 1.60);
  }
  SECTION("a zero price is allowed (a free tier)") {
    REQUIRE(table.overlay_file(write_pricing(dir, "openai: {gpt-4o-mini: {input: 0, output: 0}}\n")));
    check_price(table.find(Provider::openai, "gpt-4o-mini"), 0, 0);
  }
}

TEST_CASE("a bad pricing.yaml is an error naming file, line and column", "[llm]") {
  TempDir dir;
  PriceTable table = PriceTable::defaults();
  auto error_of = [&](const std::string& text) {
    fs::path file = write_pricing(dir, text);
    auto result = table.overlay_file(file);
    REQUIRE_FALSE(result);
    std::string message = result.error().message;
    std::string prefix = file.string() + ":";
    REQUIRE(message.starts_with(prefix));
    return message.substr(prefix.size());
  };

  SECTION("an alias bomb, refused at once") {
    CHECK(error_of("openai:\n  gpt-4.1: {input: 1, output: 2}\nlaughs:\n" + anneal::testing::alias_bomb_items(2)) ==
          fmt::format("{}:{}: error: alias '*d' brings the nodes reached through aliases past 10000; anneal refuses "
                      "YAML that expands this far (an alias bomb?)",
                      3 + anneal::testing::k_alias_bomb_line, anneal::testing::alias_bomb_column(2)));
  }
  SECTION("malformed YAML") {
    CHECK(error_of("openai:\n  gpt-4.1: {input: 1, output: 2\n") == "3:1: error: end of map flow not found");
  }
  SECTION("an unknown key in a price, such as another spelling") {
    CHECK(error_of("openai:\n  gpt-4.1: {input: 1, output: 2, cached: 0.5}\n") ==
          "2:34: error: unknown key 'cached' in the price of openai model 'gpt-4.1' "
          "(expected input, output)");
    CHECK(error_of("openai:\n  gpt-4.1:\n    input_per_mtok: 1\n    output_per_mtok: 2\n") ==
          "3:5: error: unknown key 'input_per_mtok' in the price of openai model 'gpt-4.1' "
          "(expected input, output)");
  }
  SECTION("an unknown provider") {
    CHECK(error_of("openai: {}\ngoogle:\n  gemini-2.5-pro: {input: 1.25, output: 10}\n") ==
          "2:1: error: unknown LLM provider 'google' (expected openai or anthropic)");
  }
  SECTION("a missing half of a price") {
    CHECK(error_of("anthropic:\n  claude-x: {input: 1}\n") ==
          "2:13: error: the price of anthropic model 'claude-x' needs both input and output "
          "(missing output)");
  }
  SECTION("a price that is not a number >= 0") {
    CHECK(error_of("openai:\n  gpt-4.1: {input: cheap, output: 2}\n") ==
          "2:20: error: 'input' in the price of openai model 'gpt-4.1' must be a number >= 0 "
          "(USD per million tokens)");
    CHECK(error_of("openai:\n  gpt-4.1: {input: 1, output: -2}\n") ==
          "2:31: error: 'output' in the price of openai model 'gpt-4.1' must be a number >= 0 "
          "(USD per million tokens)");
  }
  SECTION("a price that is not a mapping") {
    CHECK(error_of("openai:\n  gpt-4.1: 2\n") ==
          "2:12: error: the price of openai model 'gpt-4.1' must be a mapping {input: X, output: Y} "
          "(USD per million tokens)");
    CHECK(error_of("- openai\n") ==
          "1:1: error: pricing must be a mapping of provider (openai, anthropic) to model prices");
  }
  // A rejected file leaves every price as it was, including those listed before the error.
  REQUIRE_FALSE(table.overlay_file(
      write_pricing(dir, "openai:\n  gpt-4.1: {input: 9, output: 9}\n  gpt-4o: {input: x, output: 1}\n")));
  check_price(table.find(Provider::openai, "gpt-4.1"), 2.00, 8.00);
}

TEST_CASE("load_price_table overlays pricing.yaml from the user's config directory", "[llm]") {
  TempDir dir;
  ScopedEnv config("ANNEAL_CONFIG_DIR", dir.path().string());

  SECTION("without a pricing.yaml the defaults apply") {
    auto table = load_price_table();
    REQUIRE(table);
    check_price(table->find(Provider::openai, "gpt-4.1-mini"), 0.40, 1.60);
  }
  SECTION("with one its prices win") {
    write_pricing(dir, "openai: {gpt-4.1-mini: {input: 0.1, output: 0.2}}\n");
    auto table = load_price_table();
    REQUIRE(table);
    check_price(table->find(Provider::openai, "gpt-4.1-mini"), 0.1, 0.2);
  }
  SECTION("a bad one is an error naming it") {
    write_pricing(dir, "openai: [\n");
    auto table = load_price_table();
    REQUIRE_FALSE(table);
    CHECK(table.error().message.starts_with((dir.path() / "pricing.yaml").string() + ":"));
  }
}

}  // namespace anneal::llm
