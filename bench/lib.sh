# Shared by the benchmark scripts (sourced, not run): the anneal binary, temporary
# directories, a wall clock, and the small project every benchmark works on.
# Needs bash, coreutils, awk and git only.

bench_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The binary under test: $ANNEAL, or build/anneal at the repository top. Made absolute
# because the benchmarks change directory.
ANNEAL=${ANNEAL:-$bench_top/build/anneal}
case $ANNEAL in /*) ;; *) ANNEAL=$PWD/$ANNEAL ;; esac
if [ ! -x "$ANNEAL" ]; then
  echo "bench: no anneal binary at $ANNEAL; build it first:" >&2
  echo "  cmake -S $bench_top -B $bench_top/build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo && ninja -C $bench_top/build anneal" >&2
  echo "  (or set ANNEAL=/path/to/anneal)" >&2
  exit 1
fi

# Commits made by the benchmarks must not depend on the machine's git configuration.
export GIT_AUTHOR_NAME=anneal-bench GIT_AUTHOR_EMAIL=bench@anneal.invalid
export GIT_COMMITTER_NAME=anneal-bench GIT_COMMITTER_EMAIL=bench@anneal.invalid

die() { echo "bench: error: $*" >&2; exit 1; }

# One scratch directory per script run, removed on exit unless BENCH_KEEP=1.
bench_tmp=$(mktemp -d "${TMPDIR:-/tmp}/anneal-bench.XXXXXX")
bench_cleanup() {
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "bench: kept $bench_tmp" >&2; else rm -rf "$bench_tmp"; fi
}
trap bench_cleanup EXIT

# Wall clock in nanoseconds (GNU date).
now_ns() { date +%s%N; }

# Division for the report: div NUM DEN [FORMAT]
div() { awk -v a="$1" -v b="$2" -v f="${3:-%.2f}" 'BEGIN { if (b == 0) print "inf"; else printf f "\n", a / b }'; }

# When BENCH_SUMMARY names a file, each benchmark appends its figures there as tab-separated
# lines "benchmark  case  anneal  reference  unit  ratio  goal" for run_all.sh's table.
summary_line() {
  [ -n "${BENCH_SUMMARY:-}" ] || return 0
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$BENCH_SUMMARY"
}

# make_project DIR: a fresh git repository holding a small C project (about fifty files:
# sources, headers, tests, docs) with one target `tune` whose command agent moves a number
# in params.txt, one gate that greps it and one stage that scores it with awk. The agent is
# deterministic: its step comes from ANNEAL_EXPERIMENT, so a hand-written loop that feeds
# the same counter makes exactly the same candidates.
make_project() {
  local dir=$1 i
  mkdir -p "$dir/src" "$dir/include" "$dir/tests" "$dir/docs"
  for i in $(seq -w 1 20); do
    awk -v m="$i" 'BEGIN {
      printf "/* mod%s.c: part %s of the demo service. */\n#include \"mod%s.h\"\n\n", m, m, m
      for (f = 1; f <= 12; f++) {
        printf "int mod%s_step%d(int x) {\n  int y = x * %d + %d;\n", m, f, f + 1, f * 3
        printf "  if (y > %d) y -= %d;\n  return y;\n}\n\n", f * 100, f * 7
      }
    }' >"$dir/src/mod$i.c"
  done
  for i in $(seq -w 1 10); do
    awk -v m="$i" 'BEGIN {
      printf "#pragma once\n/* mod%s.h */\n", m
      for (f = 1; f <= 12; f++) printf "int mod%s_step%d(int x);\n", m, f
    }' >"$dir/include/mod$i.h"
  done
  for i in $(seq -w 1 6); do
    printf '#!/bin/sh\n# test %s: the demo service builds and answers.\nset -e\ntest -f src/mod%s.c\n' \
      "$i" "$i" >"$dir/tests/test$i.sh"
  done
  for i in design usage tuning faq; do
    awk -v t="$i" 'BEGIN { printf "# %s\n\n", t; for (p = 1; p <= 20; p++) printf "Paragraph %d about %s, long enough to look like prose in a real repository.\n\n", p, t }' \
      >"$dir/docs/$i.md"
  done
  printf '# demo service\n\nA small C project used by anneal'"'"'s benchmarks.\n' >"$dir/README.md"
  printf 'CFLAGS = -O2 -Iinclude\nall: $(patsubst %%.c,%%.o,$(wildcard src/*.c))\n' >"$dir/Makefile"
  printf '*.o\n' >"$dir/.gitignore"
  printf '# tuning knobs of the demo service\nworkers = 4\nx = 7\n' >"$dir/params.txt"
  cat >"$dir/agent.sh" <<'EOF'
#!/bin/sh
# Moves x by a step in [-20, 20] derived from the experiment number, kept within [0, 999].
# BENCH_AGENT_MS models the wait of a real agent (an LLM call takes seconds): 0 by default.
if [ "${BENCH_AGENT_MS:-0}" -gt 0 ]; then sleep "$(awk -v ms="$BENCH_AGENT_MS" 'BEGIN { print ms / 1000 }')"; fi
awk -v n="$ANNEAL_EXPERIMENT" '
  /^x = / { step = (n * 7919) % 41 - 20; if (step == 0) step = 1
            x = $3 + step; if (x < 0) x = 0; if (x > 999) x = 999
            print "x = " x; next }
  { print }' params.txt >params.txt.new && mv params.txt.new params.txt
echo "move x by a step from experiment $ANNEAL_EXPERIMENT" >"$ANNEAL_HYPOTHESIS_FILE"
EOF
  cat >"$dir/score.sh" <<'EOF'
#!/bin/sh
# The score: squared distance of x from 421 (lower is better).
awk '/^x = / { d = $3 - 421; printf "distance2 %d\n", d * d }' params.txt
EOF
  cat >"$dir/Annealfile" <<'EOF'
annealfile: 1
agents:
  stepper: {kind: command, run: "sh agent.sh", timeout: 30s}
targets:
  tune:
    artifact: [params.txt]
    scope: {editable: [params.txt], immutable: [agent.sh, score.sh, Annealfile, "src/**", "tests/**"]}
    agent: stepper
    verify: [{name: parses, run: "grep -q '^x = [0-9]' params.txt", timeout: 10s}]
    stages:
      - {name: distance, run: "sh score.sh", timeout: 10s}
    objective: {metric: distance, direction: minimize}
    search: {strategy: greedy, seed: 1}
    budget: {experiments: 10, max_consecutive_failures: 1000000}
EOF
  chmod +x "$dir/agent.sh" "$dir/score.sh" "$dir"/tests/*.sh
  git -C "$dir" init -q -b main
  git -C "$dir" add -A
  git -C "$dir" commit -qm "demo service"
}

# The commands of the target above, as the hand-written loop runs them.
project_agent="sh agent.sh"
project_gate="grep -q '^x = [0-9]' params.txt"
project_stage="sh score.sh"
