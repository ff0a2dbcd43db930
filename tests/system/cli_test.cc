// The command line as a user types it: usage lines, installing the binary, names of commands.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "harness.h"

using namespace anneal::system_test;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("usage lines name the command anneal, not the path it was started from", "[system]") {
  TempRepo repo;
  Outcome top = repo.anneal("--help");
  CHECK(top.status == 0);
  CHECK(contains(top.out, "\nUsage: anneal [OPTIONS] SUBCOMMAND\n"));
  Outcome build = repo.anneal("build --help");
  CHECK(build.status == 0);
  CHECK(contains(build.out, "\nUsage: anneal build [OPTIONS] [targets...]\n"));
  CHECK_FALSE(contains(top.out + build.out, anneal_binary()));
}

TEST_CASE("cmake --install puts anneal in PREFIX/bin", "[system]") {
  TempRepo repo;
  std::string build_dir = std::filesystem::path(anneal_binary()).parent_path().string();
  std::string prefix = (repo.scratch() / "prefix").string();
  Outcome installed = repo.run("cmake --install '" + build_dir + "' --prefix '" + prefix + "'");
  INFO(installed.out << installed.err);
  REQUIRE(installed.status == 0);
  Outcome version = repo.run("PATH='" + prefix + "/bin':/usr/bin:/bin anneal --version");
  INFO(version.err);
  CHECK(version.status == 0);
  CHECK(version.out == "anneal 0.1.0\n");
}
