#!/usr/bin/env bash
# Search strategies on synthetic landscapes: real `anneal build` runs with the built-in tune
# agent, several seeds per strategy, counting the evaluations each needs to come within 1%
# of the optimum (issue 6). Goal: auto within 10% of the best fixed strategy everywhere.
# Usage: bench/search_strategies.sh [--quick] [BUDGET [SEEDS]]   (default 150 experiments,
#        5 seeds; --quick: 40 experiments, 2 seeds)
# Environment: STRATEGIES and LANDSCAPES (space-separated, to run a subset), JOBS (builds run
# at once, default 2), BENCH_SEARCH_STRATEGIES (the helper; default: bench_search_strategies
# next to $ANNEAL, built by `ninja bench_search_strategies`).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

budget=150
seeds=5
case ${1:-} in
  --quick) budget=40 && seeds=2 && shift ;;
esac
budget=${1:-$budget}
seeds=${2:-$seeds}
jobs_at_once=${JOBS:-2}
strategies=(${STRATEGIES:-greedy annealing population pareto tree elites auto})
landscapes=(${LANDSCAPES:-rastrigin rosenbrock plateau zdt1})
helper=${BENCH_SEARCH_STRATEGIES:-$(dirname "$ANNEAL")/bench_search_strategies}
[ -x "$helper" ] || die "no helper at $helper: ninja -C $(dirname "$ANNEAL") bench_search_strategies (or set BENCH_SEARCH_STRATEGIES)"

# ZDT1's reference point and the hypervolume of its true front f2 = 1 - sqrt(f1), f1 in
# [0, 1], against it: r1 r2 - 1/3.
zdt_r1=3 zdt_r2=3
zdt_hv=$(awk -v a=$zdt_r1 -v b=$zdt_r2 'BEGIN { printf "%.12g", a * b - 1 / 3 }')

# ---- the landscapes ------------------------------------------------------------------------
# Each is a git repository with cfg.ini (the numbers the tune agent moves, at the start
# point), f.sh (the value, computed with awk) and an Annealfile with one target `f`. All are
# minimized; the optimum is 0 except for ZDT1, judged by hypervolume.

# The tune params of cfg.ini's lines "NAME = NUMBER", each within [MIN, MAX]: NAME:MIN:MAX...
tune_params() {
  local spec name lo hi sep=""
  printf '['
  for spec in "$@"; do
    IFS=: read -r name lo hi <<<"$spec"
    printf '%s{file: cfg.ini, pattern: "^%s = ([-+.0-9eE]+)$", min: %s, max: %s}' "$sep" "$name" "$lo" "$hi"
    sep=", "
  done
  printf ']'
}

# make_landscape DIR LANDSCAPE STRATEGY SEED
make_landscape() {
  local dir=$1 landscape=$2 strategy=$3 seed=$4 vars formula params stages objective search first second spec
  mkdir -p "$dir"
  case $landscape in
    rastrigin)
      # 20 + sum(x_i^2 - 10 cos(2 pi x_i)) on [-5.12, 5.12]^2: a grid of local minima around
      # the global one at the origin. The start is on the slope between two of them.
      printf '# Rastrigin, 2-D\nx = 3.3\ny = -2.7\n' >"$dir/cfg.ini"
      vars="x:-5.12:5.12 y:-5.12:5.12"
      formula='pi = atan2(0, -1); f = 20 + x * x - 10 * cos(2 * pi * x) + y * y - 10 * cos(2 * pi * y)' ;;
    rosenbrock)
      # (1 - x)^2 + 100 (y - x^2)^2 on [-2, 2]^2, from the classic start (-1.2, 1): a curved,
      # narrow valley to the optimum at (1, 1).
      printf '# Rosenbrock, 2-D\nx = -1.2\ny = 1.0\n' >"$dir/cfg.ini"
      vars="x:-2:2 y:-2:2"
      formula='f = (1 - x) ^ 2 + 100 * (y - x * x) ^ 2' ;;
    plateau)
      # A plateau at 10 over [0, 100]^2 except a disc of radius 10 around (70, 30) (3% of the
      # domain): at its rim the value drops off a cliff to 6, then falls as a bowl,
      # 6 (d / 10)^2, to 0 at the centre. Within 1% means d <= 1.3. The plateau tells a
      # search nothing about where the disc is.
      printf '# plateau and cliff, 2-D\nx = 20\ny = 80\n' >"$dir/cfg.ini"
      vars="x:0:100 y:0:100"
      formula='d = sqrt((x - 70) ^ 2 + (y - 30) ^ 2); f = d < 10 ? 6 * (d / 10) ^ 2 : 10' ;;
    zdt1)
      # ZDT1 with 2 decision variables in [0, 1]: f1 = x1, g = 1 + 9 x2,
      # f2 = g (1 - sqrt(f1 / g)). The true front is x2 = 0: f2 = 1 - sqrt(f1).
      printf '# ZDT1, 2 decision variables\nx1 = 0.5\nx2 = 0.5\n' >"$dir/cfg.ini"
      vars="x1:0:1 x2:0:1"
      formula='g = 1 + 9 * x2; f = (which == "f2") ? g * (1 - sqrt(x1 / g)) : x1' ;;
    *) die "unknown landscape $landscape" ;;
  esac
  params=$(tune_params $vars)
  # f.sh NAME prints the parameter NAME instead, for the elites' behaviour stages.
  # shellcheck disable=SC2016  # $1 and $3 are awk's
  printf '#!/bin/sh\n# prints the value of the %s landscape at the point in cfg.ini (zdt1: f1 or f2 by $1),\n# or the parameter named by $1\nawk -v which="$1" '"'"'$2 == "=" { v[$1] = $3 } END { x = v["x"]; y = v["y"]; x1 = v["x1"]; x2 = v["x2"]; %s; if (which in v) f = v[which]; printf "%%.10g\\n", f }'"'"' cfg.ini\n' \
    "$landscape" "$formula" >"$dir/f.sh"
  chmod +x "$dir/f.sh"
  search="{strategy: $strategy, seed: $seed}"
  if [ "$landscape" = zdt1 ]; then
    stages='      - {name: f1, run: ./f.sh f1, timeout: 10s}
      - {name: f2, run: ./f.sh f2, timeout: 10s}'
    first='{metric: f1, direction: minimize}' second='{metric: f2, direction: minimize}'
    # The elites' fitness is the first objective: with f1 as the behaviour, f2 comes first,
    # so each cell keeps the lowest f2 for its range of f1 (the usual MAP-Elites form of a
    # two-objective problem). Every other strategy sees the objectives as f1, f2.
    if [ "$strategy" = elites ]; then
      first='{metric: f2, direction: minimize}' second='{metric: f1, direction: minimize}'
      search="{strategy: elites, seed: $seed, archive: {descriptors: [{metric: f1, min: 0, max: 1, bins: 10}]}}"
    fi
    objective="
      - $first
      - $second"
  else
    stages='      - {name: f, run: ./f.sh, timeout: 10s}'
    objective=' {metric: f, direction: minimize}'
    if [ "$strategy" = elites ]; then
      # The behaviour is the point itself, 5 x 5 cells over the domain: two stages print it.
      local descriptors="" sep="" name lo hi
      for spec in $vars; do
        IFS=: read -r name lo hi <<<"$spec"
        stages="$stages
      - {name: $name, run: ./f.sh $name, timeout: 10s}"
        descriptors="$descriptors$sep{metric: $name, min: $lo, max: $hi, bins: 5}"
        sep=", "
      done
      search="{strategy: elites, seed: $seed, archive: {descriptors: [$descriptors]}}"
    fi
  fi
  cat >"$dir/Annealfile" <<EOF
annealfile: 1
agents:
  tuner: {kind: tune, params: $params}
targets:
  f:
    artifact: [cfg.ini]
    agent: tuner
    stages:
$stages
    objective:$objective
    search: $search
    budget: {experiments: $budget, max_consecutive_failures: 1000000}
EOF
  git -C "$dir" init -q -b main
  git -C "$dir" add -A
  git -C "$dir" commit -qm "$landscape landscape"
}

# run_one LANDSCAPE STRATEGY SEED: one build; writes the run's line for the table to
# runs/LANDSCAPE.STRATEGY.SEED and prints a line of progress.
run_one() {
  local landscape=$1 strategy=$2 seed=$3 dir out ledger start end status reach note
  dir=$bench_tmp/$landscape.$strategy.$seed
  out=$bench_tmp/runs/$landscape.$strategy.$seed
  make_landscape "$dir" "$landscape" "$strategy" "$seed"
  start=$(now_ns)
  status=0
  "$ANNEAL" build -C "$dir" -j1 --experiments "$budget" >"$dir.log" 2>&1 || status=$?
  end=$(now_ns)
  ledger=$(ls "$dir"/.anneal/targets/f/experiments.jsonl "$dir"/.anneal/f/ledger.jsonl 2>/dev/null | head -1 || true)
  if [ -z "$ledger" ] || [ ! -s "$ledger" ]; then
    note=$(grep -m1 'error' "$dir.log" | sed 's/^[^ ]*error: //' | cut -c1-160)
    printf '%s\t%s\t%s\t%s\n' "$landscape" "$strategy" "$seed" "${note:-build failed (exit $status)}" >"$out"
    printf '  %-10s %-9s seed %s: not run: %s\n' "$landscape" "$strategy" "$seed" "${note:-exit $status}"
    return 0
  fi
  if [ "$landscape" = zdt1 ]; then
    reach=$("$helper" reach-front "$ledger" f1 f2 $zdt_r1 $zdt_r2 "$zdt_hv")
  else
    reach=$("$helper" reach "$ledger" f 0)
  fi
  read -r evaluations reached gap <<<"$reach"
  printf '%s\t%s\t%s\tok\t%s\t%s\t%s\n' "$landscape" "$strategy" "$seed" "$evaluations" "$reached" "$gap" >"$out"
  # Candidates that made a tree measured before in the run (the baseline first, then each
  # candidate ref N.D in order), and how many of them anneal did not evaluate again.
  repeats=$( { git -C "$dir" rev-parse "refs/anneal/f/baseline^{tree}"
               git -C "$dir" for-each-ref --format='%(refname:lstrip=3) %(objectname)' refs/anneal/f/ |
                 grep -E '^[0-9]+\.[0-9]+ ' | sort -t. -k1,1n -k2,2n |
                 while read -r _ commit; do git -C "$dir" rev-parse "$commit^{tree}"; done; } |
             awk 'seen[$1]++' | wc -l)
  duplicates=$(grep -c '"outcome":"duplicate"' "$ledger" || true)
  printf '%s\t%s\n' "$repeats" "$duplicates" >"$out.repeats"
  printf '  %-10s %-9s seed %s: %3s evaluations, within 1%% after %3s, gap %-9s %5.1f s, %s repeated (%s not evaluated)%s\n' \
    "$landscape" "$strategy" "$seed" "$evaluations" "$reached" "$gap" \
    "$(div $((end - start)) 1000000000 %.1f)" "$repeats" "$duplicates" "$([ $status = 0 ] || echo ", build exit $status")"
}

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $budget experiments per run, $seeds seeds, $jobs_at_once builds at once"
echo "landscapes: ${landscapes[*]}; strategies: ${strategies[*]} (pareto on zdt1 only)"
mkdir -p "$bench_tmp/runs"
started=$(now_ns)
for landscape in "${landscapes[@]}"; do
  for strategy in "${strategies[@]}"; do
    if [ "$strategy" = pareto ] && [ "$landscape" != zdt1 ]; then continue; fi
    for seed in $(seq 1 "$seeds"); do
      while [ "$(jobs -rp | wc -l)" -ge "$jobs_at_once" ]; do wait -n || true; done
      run_one "$landscape" "$strategy" "$seed" &
    done
  done
done
wait
finished=$(now_ns)

runs=$bench_tmp/runs.tsv
: >"$runs"
for landscape in "${landscapes[@]}"; do
  for strategy in "${strategies[@]}"; do
    for seed in $(seq 1 "$seeds"); do
      f=$bench_tmp/runs/$landscape.$strategy.$seed
      if [ -f "$f" ]; then cat "$f" >>"$runs"; fi
    done
  done
done
echo
"$helper" table "$runs" "$budget" ${BENCH_SUMMARY:+"$BENCH_SUMMARY"}
echo
cat "$bench_tmp"/runs/*.repeats 2>/dev/null |
  awk -v runs="$(wc -l <"$runs")" -v budget="$budget" '{ r += $1; d += $2 }
    END { printf "candidates that repeated a tree measured before in their run: %d of %d (%.1f%%); not evaluated again: %d\n", r, runs * budget, 100 * r / (runs * budget), d }'
echo
echo "wall time: $(div $((finished - started)) 1000000000 %.0f) s for $(wc -l <"$runs") runs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
