// `anneal report`: one self-contained HTML file (parsed here with Python's html.parser, as a
// browser would read it) and a Markdown pull-request comment, both with the kept steps from
// the baseline to the best, their evidence, the cost and the best candidate's diff, and every
// untrusted text escaped. Also the CI example that writes them as an artifact.
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "harness.h"
#include "nginx_server.h"

using namespace anneal::system_test;
namespace fs = std::filesystem;

namespace {

/// What a hostile agent writes as its hypothesis.
constexpr const char* k_hostile = R"(<script>alert(1)</script> & "x" @someone | *bold* `code`)";

/// Target `t`: experiment 1 scores 90 (kept), 2 scores 95 (discarded), 3 scores 70 (kept);
/// stages `size` and `score` (minimized). Experiment 1's hypothesis is k_hostile.
void set_up(const TempRepo& repo) {
  repo.write("score.txt", "100\n");
  repo.write("agent.sh", fmt::format(R"(#!/bin/sh
case "$ANNEAL_EXPERIMENT" in 1) n=90 ;; 2) n=95 ;; *) n=70 ;; esac
echo "$n" > score.txt
if [ "$ANNEAL_EXPERIMENT" = 1 ]; then
  cat > "$ANNEAL_HYPOTHESIS_FILE" <<'EOF'
{}
EOF
else
  echo "score to $n" > "$ANNEAL_HYPOTHESIS_FILE"
fi
)", k_hostile), true);
  repo.write("Annealfile", R"(annealfile: 1
targets:
  t:
    artifact: [score.txt]
    agent: {kind: command, run: "./agent.sh"}
    stages:
      - {name: size, run: "wc -c < score.txt"}
      - {name: score, run: "cat score.txt"}
    objective: {metric: score, direction: minimize}
    budget: {experiments: 3}
)");
  repo.commit("project");
}

/// The HTML file `path` as Python's html.parser reads it: the tags seen, every attribute
/// that loads something, the tables (class and rows of cell texts), the texts of <pre> and
/// <h2>, and the chart's circles (class and <title>).
nlohmann::json parse_html(const TempRepo& repo, const fs::path& path) {
  std::ofstream(repo.scratch() / "parse.py") << R"(import json, sys
from html.parser import HTMLParser

class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.loads, self.tables, self.pre, self.h2, self.circles = set(), [], [], [], [], []
        self.row = self.cell = self.text = None
        self.stack = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        self.stack.append(tag)
        for name in ("src", "href", "srcset", "data"):
            if name in a:
                self.loads.append(a[name])
        if tag == "table":
            self.tables.append({"class": a.get("class", ""), "rows": []})
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = ""
        elif tag in ("pre", "h2"):
            self.text = ""
        elif tag == "circle":
            self.circles.append({"class": a.get("class", ""), "title": None})
        elif tag == "title" and self.circles and "circle" in self.stack[:-1]:
            self.text = ""
    def handle_endtag(self, tag):
        while self.stack and self.stack.pop() != tag:
            pass
        if tag in ("td", "th") and self.row is not None:
            self.row.append(self.cell)
            self.cell = None
        elif tag == "tr":
            self.tables[-1]["rows"].append(self.row)
            self.row = None
        elif tag == "pre":
            self.pre.append(self.text)
            self.text = None
        elif tag == "h2":
            self.h2.append(self.text)
            self.text = None
        elif tag == "title" and self.text is not None and "circle" in self.stack:
            self.circles[-1]["title"] = self.text
            self.text = None
    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data
        if self.text is not None:
            self.text += data

page = Page()
page.feed(open(sys.argv[1], encoding="utf-8").read())
page.close()
print(json.dumps({"tags": sorted(page.tags), "loads": page.loads, "tables": page.tables, "pre": page.pre,
                  "h2": page.h2, "circles": page.circles}))
)";
  Outcome o = sh("/usr/bin/python3 parse.py " + path.string(), repo.scratch());
  INFO(o.err);
  REQUIRE(o.status == 0);
  return nlohmann::json::parse(o.out);
}

const nlohmann::json& table(const nlohmann::json& page, const std::string& cls) {
  for (const auto& t : page["tables"])
    if (t["class"] == cls)
      return t;
  FAIL("no table of class " << cls);
  throw std::logic_error("unreachable");
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("report writes one self-contained HTML file: chart, kept steps with evidence, best diff", "[system][report]") {
  TempRepo repo;
  set_up(repo);
  REQUIRE(repo.anneal("build").status == 0);
  nlohmann::json history = repo.history("t");
  REQUIRE(history.size() == 4);
  REQUIRE(history[1]["hypothesis"] == k_hostile);

  Outcome written = repo.anneal("report -o out/report.html");
  INFO(written.out << written.err);
  REQUIRE(written.status == 0);
  CHECK(written.out == "wrote out/report.html\n");
  nlohmann::json page = parse_html(repo, repo.path() / "out/report.html");
  INFO(page.dump(1));

  // Self-contained and inert: no script, nothing loaded from anywhere.
  std::vector<std::string> tags = page["tags"];
  CHECK(std::find(tags.begin(), tags.end(), "script") == tags.end());
  CHECK(std::find(tags.begin(), tags.end(), "svg") != tags.end());
  CHECK(page["loads"].empty());
  CHECK(page["h2"] == nlohmann::json::array({"t"}));

  // The kept steps, baseline to best, with their metrics, change and evidence.
  const nlohmann::json& steps = table(page, "steps");
  REQUIRE(steps["rows"].size() == 4);
  CHECK(steps["rows"][0] == nlohmann::json::array({"exp", "outcome", "size", "score", "cost $", "duration s", "commit",
                                                   "hypothesis", "change", "evidence"}));
  std::vector<int> ids = {0, 1, 3};
  std::vector<std::string> sizes = {"4", "3", "3"}, scores = {"100", "90", "70"}, changes = {"", "-10.0%", "-22.2%"};
  for (size_t i = 0; i < ids.size(); ++i) {
    const nlohmann::json& row = steps["rows"][i + 1];
    const nlohmann::json& e = history[ids[i]];
    CHECK(row[0] == fmt::format("#{}", ids[i]));
    CHECK(row[1] == e["outcome"]);
    CHECK(row[2] == sizes[i]);
    CHECK(row[3] == scores[i]);
    CHECK(row[4] == "0");
    CHECK(row[6] == e["commit"].get<std::string>().substr(0, 10));
    CHECK(row[7] == e["hypothesis"]);  // the hostile one as text, not markup
    CHECK(row[8] == changes[i]);
    CHECK(row[9] == (i == 0 ? "" : e["decision"]["reason"].get<std::string>()));
  }
  // Every experiment, folded.
  CHECK(table(page, "history")["rows"].size() == 5);
  const nlohmann::json& outcomes = table(page, "outcomes");
  CHECK(outcomes["rows"] == nlohmann::json::parse(R"([["outcome","experiments"],["baseline","1"],["kept","2"],["discarded","1"]])"));

  // The chart: a circle per scored experiment, coloured by outcome, titled for hovering.
  const nlohmann::json& circles = page["circles"];
  REQUIRE(circles.size() == 4);
  CHECK(circles[0]["class"] == "point baseline");
  CHECK(circles[1]["class"] == "point kept");
  CHECK(circles[2]["class"] == "point discarded");
  CHECK(circles[3]["class"] == "point kept");
  CHECK(circles[1]["title"] == std::string("#1 kept 90: ") + k_hostile);
  CHECK(circles[2]["title"] == "#2 discarded 95: score to 95");

  // The best candidate's diff, from the baseline.
  REQUIRE(page["pre"].size() == 1);
  std::string diff = page["pre"][0];
  CHECK_THAT(diff, Catch::Contains("--- a/score.txt\n+++ b/score.txt\n") && Catch::Contains("-100\n+70\n"));

  // The cost and the numbers in the summary.
  std::string html = repo.read("out/report.html");
  CHECK_THAT(html, Catch::Contains("baseline 100 → best <b>70</b> (-30.0%) after 3 experiments; cost $0.0000"));
  CHECK(html.find("<script>") == std::string::npos);
  CHECK(repo.anneal("report nope").status == 1);
  CHECK(repo.status() == "?? out/\n");
  CHECK(repo.fsck_problems().empty());
}

TEST_CASE("report --markdown is a pull-request comment that cannot be hijacked by a hypothesis", "[system][report]") {
  TempRepo repo;
  set_up(repo);
  REQUIRE(repo.anneal("build").status == 0);
  nlohmann::json history = repo.history("t");
  Outcome md = repo.anneal("report --markdown");
  INFO(md.out << md.err);
  REQUIRE(md.status == 0);
  std::vector<std::string> lines = lines_of(md.out);
  CHECK(lines[0] == "## anneal report");
  CHECK(std::find(lines.begin(), lines.end(), "### t") != lines.end());
  CHECK(std::find(lines.begin(), lines.end(),
                  "Minimize **score**: baseline 100 → best **70** (-30.0%) after 3 experiments (2 kept, 1 discarded); "
                  "cost $0.0000, " + fmt::format("{:.2f}", [&] {
                    double total = 0;
                    for (const auto& e : history) total += e["duration_s"].get<double>();
                    return total;
                  }()) + " s.") != lines.end());
  auto header = std::find(lines.begin(), lines.end(),
                          "| exp | outcome | size | score | cost $ | duration s | commit | hypothesis | change | evidence |");
  REQUIRE(header != lines.end());
  std::regex row(R"(\| (#\d) \| (\w+) \| (\d+) \| (\d+) \| 0 \| [0-9.]+ \| ([0-9a-f]{10}) \| (.*) \| (.*) \| (.*) \|)");
  std::vector<std::string> exps, scores, hypotheses, changes, evidence;
  for (auto it = header + 2; it != lines.end() && it->starts_with("| "); ++it) {
    std::smatch m;
    REQUIRE(std::regex_match(*it, m, row));
    exps.push_back(m[1]);
    scores.push_back(m[4]);
    hypotheses.push_back(m[6]);
    changes.push_back(m[7]);
    evidence.push_back(m[8]);
  }
  CHECK(exps == std::vector<std::string>{"#0", "#1", "#3"});
  CHECK(scores == std::vector<std::string>{"100", "90", "70"});
  CHECK(changes == std::vector<std::string>{"", "-10.0%", "-22.2%"});
  // No markup, no cell break, no mention survives from the agent's text.
  CHECK(hypotheses[1] ==
        R"(&lt;script&gt;alert(1)&lt;/script&gt; &amp; "x" @&#8203;someone \| \*bold\* \`code\`)");
  CHECK(hypotheses[2] == "score to 70");
  CHECK(history[3]["decision"]["reason"] == "70 < 90 - 0 (minimize)");
  CHECK(evidence[2] == "70 &lt; 90 - 0 (minimize)");
  CHECK(md.out.find("<script") == std::string::npos);
  // The best diff in a fence.
  CHECK_THAT(md.out, Catch::Contains("```diff\ndiff --git a/score.txt b/score.txt\n") &&
                         Catch::Contains("-100\n+70\n```\n"));
}

TEST_CASE("the CI example builds through the remote cache and writes the reports as its artifact", "[system][report][remote]") {
  NginxServer server;
  TempRepo origin;
  set_up(origin);
  origin.write("agent.sh", "echo run >> " + (origin.scratch() / "agent-runs").string() + "\n" + origin.read("agent.sh"),
               true);
  origin.commit("count the agent's runs");
  std::string env = fmt::format(
      "env -u ANNEAL_REMOTE_READ_ONLY -u ANNEAL_REMOTE_TOKEN ANNEAL_CONFIG_DIR='{}' ANNEAL='{}' ANNEAL_EXPERIMENTS=3 "
      "ANNEAL_REMOTE_CACHE='{}' ",
      (origin.scratch() / "config").string(), anneal_binary(), server.url());
  std::string script = std::string(ANNEAL_SOURCE_DIR) + "/examples/ci/anneal-ci.sh";
  fs::path artifact = origin.scratch() / "artifact";
  Outcome first = origin.run(env + "'" + script + "' '" + artifact.string() + "'");
  INFO(first.out << first.err);
  REQUIRE(first.status == 0);
  CHECK_THAT(first.out, Catch::Contains("remote cache: configured"));
  for (const char* file : {"report.html", "report.md", "status.json", "t.experiments.jsonl", "t.history.txt", "t.history.csv"})
    CHECK(fs::exists(artifact / file));
  CHECK(count_lines(origin.scratch() / "agent-runs") == 3);
  CHECK(!server.files().empty());
  std::string first_md = origin.run("cat '" + (artifact / "report.md").string() + "'").out;
  CHECK_THAT(first_md, Catch::Contains("best **70** (-30.0%)"));
  CHECK(nlohmann::json::parse(origin.run("cat '" + (artifact / "status.json").string() + "'").out)[0]["best_score"] == 70);

  // A fresh runner: the same reports from the remote cache, without calling the agent.
  TempRepo runner;
  REQUIRE(runner.run("rm -rf .git && git clone -q '" + origin.path().string() + "' . && git config user.name ci && "
                     "git config user.email ci@anneal.invalid").status == 0);
  fs::path uploaded = runner.scratch() / "artifact";
  Outcome second = runner.run(env + "'" + script + "' '" + uploaded.string() + "'");
  INFO(second.out << second.err);
  REQUIRE(second.status == 0);
  CHECK(count_lines(origin.scratch() / "agent-runs") == 3);
  CHECK_THAT(runner.run("cat '" + (uploaded / "report.md").string() + "'").out, Catch::Contains("best **70** (-30.0%)"));
  CHECK_THAT(runner.run("cat '" + (uploaded / "t.history.txt").string() + "'").out, Catch::Contains("score to 70"));
  CHECK(runner.status().empty());
  CHECK(runner.fsck_problems().empty());
}
