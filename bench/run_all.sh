#!/usr/bin/env bash
# Runs every benchmark and prints a summary table of their figures against their goals.
# Usage: bench/run_all.sh [--quick]   (--quick: 100 experiments in the loop benchmark, 50
#        calls per no-op measurement and a short search-strategy table, for a smoke run;
#        binary: $ANNEAL or build/anneal)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export ANNEAL

loop_sizes=(100 1000)
remote_size=200
strategies_args=()
case ${1:-} in
  --quick) loop_sizes=(100) && remote_size=50 && strategies_args=(--quick) && export REPS=${REPS:-50} ;;
  "") ;;
  *) echo "usage: bench/run_all.sh [--quick]" >&2 && exit 2 ;;
esac

export BENCH_SUMMARY=$bench_tmp/summary.tsv
: >"$BENCH_SUMMARY"
echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(uname -sr)"
echo "== anneal: $("$ANNEAL" --version 2>/dev/null || echo '?') ($ANNEAL)"
echo
echo "== bench/loop_vs_shell.sh ${loop_sizes[*]}"
"$here/loop_vs_shell.sh" "${loop_sizes[@]}"
echo
echo "== bench/noop_vs_git_status.sh"
"$here/noop_vs_git_status.sh"
echo
echo "== bench/remote_cache.sh $remote_size"
"$here/remote_cache.sh" "$remote_size"
echo
echo "== bench/search_strategies.sh ${strategies_args[*]}"
"$here/search_strategies.sh" "${strategies_args[@]}"
echo
echo "== bench_sequential_judging (simulation: sequential judging against the fixed-n test)"
sequential_bench=$(dirname "$ANNEAL")/bench_sequential_judging
if [ -x "$sequential_bench" ]; then
  "$sequential_bench" "$([ "${1:-}" = --quick ] && echo 40 || echo 200)" | tee "$bench_tmp/sequential.txt"
  # The goal's case: judge calls per decision on the realistic mix at n = 30, futility / fixed
  # (early_stop: futility, the default sequential test).
  awk '$1 == "mix" && $3 == "30" { calls[$4] = $5 }
       END { if (calls["fixed-n"] > 0) printf "sequential_judging\tmix n=30 calls\t%s\t%s\tcalls/decision\t%.2f\t<= 0.5\n",
             calls["futility"], calls["fixed-n"], calls["futility"] / calls["fixed-n"] }' \
    "$bench_tmp/sequential.txt" >>"$BENCH_SUMMARY"
else
  echo "(skipped: build it with ninja -C build bench_sequential_judging)"
fi
echo
echo "== bench/rate_limit.sh (judge calls against a provider that answers in 200 ms and allows C at once)"
if [ -x "$(dirname "$ANNEAL")/anneal-fake-llm" ]; then
  SHAPES=${RATE_LIMIT_SHAPES:-"16:4 4:16"} "$here/rate_limit.sh"
else
  echo "(skipped: build it with ninja -C build anneal-fake-llm)"
fi
echo
echo "== bench/slurm_executor.sh"
if command -v srun >/dev/null && command -v slurmctld >/dev/null; then
  "$here/slurm_executor.sh" "$([ "${1:-}" = --quick ] && echo 10 || echo 20)"
else
  echo "(skipped: no Slurm here; scripts/install-deps.sh installs it)"
fi
echo
echo "== summary (reference: the hand-written shell loop, git status, or the best fixed search strategy)"
awk -F'\t' '
  BEGIN { printf "%-20s %-17s %12s %20s  %-14s %7s  %-11s %s\n", "benchmark", "case", "anneal", "reference", "unit", "ratio", "goal", "" }
  {
    limit = $7; sub(/^<= */, "", limit); sub(/,.*/, "", limit)
    verdict = ($6 != "inf" && $6 + 0 <= limit + 0) ? "met" : "MISSED"
    printf "%-20s %-17s %12s %20s  %-14s %7s  %-11s %s\n", $1, $2, $3, $4, $5, $6, $7, verdict
  }' "$BENCH_SUMMARY"
