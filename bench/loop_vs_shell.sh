#!/usr/bin/env bash
# Per-experiment overhead of anneal against the hand-written shell loop it replaces.
# Usage: bench/loop_vs_shell.sh [N...]   (default: 100 1000; binary: $ANNEAL or build/anneal)
#
# For each N, in two fresh copies of the demo project (bench/lib.sh), times
#   anneal: `anneal build --experiments N` (greedy search, baseline included), and
#   loop:   a shell loop doing the same work per experiment in its own worktree: run the same
#           agent, check that only params.txt changed, run the gate, run the stage, parse its
#           last number, compare it with the best, `git commit` the candidate when it is kept
#           and `git reset --hard` otherwise, and log one line per experiment. Every command
#           runs through `timeout … sh -c`, as anneal runs them with their timeouts.
# Both see the same experiment numbers, so they make the same candidates; the script checks
# that their outcomes agree. Goal: anneal/loop <= 1.5.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100 1000)
for n in "${sizes[@]}"; do [[ $n =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer, not '$n'"; done

# Reads a stage's output; prints "<score> kept|discarded", or "- crashed" without a number.
parse_and_compare='
  { for (i = 1; i <= NF; i++) if ($i ~ /^-?[0-9]+([.][0-9]+)?$/) s = $i }
  END { if (s == "") print "- crashed"; else if (s + 0 < best + 0) print s, "kept"; else print s, "discarded" }'

# shell_loop REPO N LOG: the hand-written equivalent of `anneal build --experiments N`.
shell_loop() {
  local repo=$1 n=$2 log=$3
  local wt=$bench_tmp/loop-worktree-$n hyp=$bench_tmp/hypothesis-$n
  local i best score verdict changed
  git -C "$repo" worktree add -q -b loop/tune "$wt" HEAD
  cd "$wt"
  timeout 10s sh -c "$project_gate" || die "loop: baseline gate failed"
  read -r best verdict < <(timeout 10s sh -c "$project_stage" | awk -v best=0 "$parse_and_compare")
  [ "$verdict" != crashed ] || die "loop: baseline has no score"
  printf '0\tbaseline\t%s\n' "$best" >"$log"
  for ((i = 1; i <= n; i++)); do
    score=-
    if ! ANNEAL_EXPERIMENT=$i ANNEAL_HYPOTHESIS_FILE=$hyp timeout 30s sh -c "$project_agent"; then
      verdict=crashed
    else
      changed=$(git status --porcelain)
      if [ -z "$changed" ] || [ "$changed" != " M params.txt" ]; then
        verdict=blocked # no change, or a change outside the editable scope
      elif ! timeout 10s sh -c "$project_gate"; then
        verdict=rejected
      else
        read -r score verdict < <(timeout 10s sh -c "$project_stage" | awk -v best="$best" "$parse_and_compare")
      fi
    fi
    if [ "$verdict" = kept ]; then
      git commit -qa -F "$hyp"
      best=$score
    else
      git reset -q --hard
    fi
    printf '%d\t%s\t%s\n' "$i" "$verdict" "$score" >>"$log"
  done
  cd "$bench_tmp"
}

# node_breakdown REPO N WALL_NS: where anneal's wall clock went, per experiment, from ninja's
# log (start and end of every node it still holds, in ms) and the node specs (which node is
# which kind).
node_breakdown() {
  local dir=$1/.anneal kind
  for kind in mutate verify stage; do
    grep -rl --include='*.json' "\"kind\":\"$kind\"" "$dir/specs" | sed "s|.*/||; s|\.json\$| $kind|"
  done >"$bench_tmp/node-kinds"
  awk -v n="$2" -v wall="$3" '
    FNR == NR { if (!($1 in kind)) kind[$1] = $2; next }
    /^#/ { next }
    { k = $4; sub(/.*\//, "", k); c = (k in kind) ? kind[k] : "other"
      ms[c] += $2 - $1; runs[c]++; total += $2 - $1 }
    function mean(c) { return runs[c] ? ms[c] / runs[c] : 0 }
    END {
      # Means per node run: anneal drops a large .ninja_log, so it may hold only the last
      # experiments. Each experiment runs one node of each kind.
      nodes = mean("mutate") + mean("verify") + mean("stage")
      printf "  N=%d, ms per experiment: mutate node %.1f, verify node %.1f, stage node %.1f", n, mean("mutate"), mean("verify"), mean("stage")
      printf "; outside nodes %.1f (anneal build: planning, decide, ledger, refs, starting ninja)\n", wall / 1e6 / n - nodes
    }' "$bench_tmp/node-kinds" "$dir/.ninja_log"
}

# "id<TAB>outcome" for every ledger line of the demo target.
ledger_outcomes() {
  awk '{ match($0, /"id":[0-9]+/); id = substr($0, RSTART + 5, RLENGTH - 5)
         match($0, /"outcome":"[a-z]+"/); print id "\t" substr($0, RSTART + 11, RLENGTH - 12) }' \
    "$1/.anneal/targets/tune/experiments.jsonl"
}

echo "anneal: $ANNEAL"
echo "loop_vs_shell: wall clock of N experiments (baseline included), anneal vs a shell loop;" \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
breakdowns=()
printf '%7s  %10s  %10s  %12s  %12s  %12s  %s\n' \
  N anneal_s loop_s anneal_ms/exp loop_ms/exp anneal/loop "outcomes (kept)"
for n in "${sizes[@]}"; do
  make_project "$bench_tmp/anneal-$n"
  make_project "$bench_tmp/loop-$n"

  cd "$bench_tmp/anneal-$n"
  t0=$(now_ns)
  "$ANNEAL" build --experiments "$n" >"$bench_tmp/anneal-$n.out" 2>&1 ||
    { cat "$bench_tmp/anneal-$n.out" >&2; die "anneal build --experiments $n failed"; }
  t1=$(now_ns)
  cd "$bench_tmp"

  t2=$(now_ns)
  shell_loop "$bench_tmp/loop-$n" "$n" "$bench_tmp/loop-$n.log"
  t3=$(now_ns)

  ledger_outcomes "$bench_tmp/anneal-$n" >"$bench_tmp/anneal-$n.outcomes"
  lines=$(wc -l <"$bench_tmp/anneal-$n.outcomes")
  [ "$lines" -eq $((n + 1)) ] || die "anneal's ledger has $lines lines after --experiments $n, expected $((n + 1))"
  cut -f1,2 "$bench_tmp/loop-$n.log" >"$bench_tmp/loop-$n.outcomes"
  differ=$(paste "$bench_tmp/anneal-$n.outcomes" "$bench_tmp/loop-$n.outcomes" | awk -F'\t' '$2 != $4' | wc -l)
  kept=$(grep -c $'\tkept$' "$bench_tmp/loop-$n.outcomes" || true)
  if [ "$differ" -eq 0 ]; then agree="same ($kept)"; else agree="$differ DIFFER ($kept kept by the loop)"; fi

  anneal_ns=$((t1 - t0))
  loop_ns=$((t3 - t2))
  anneal_s=$(div "$anneal_ns" 1e9)
  loop_s=$(div "$loop_ns" 1e9)
  anneal_ms=$(div "$anneal_ns" "$((n * 1000000))" %.1f)
  loop_ms=$(div "$loop_ns" "$((n * 1000000))" %.1f)
  ratio=$(div "$anneal_ns" "$loop_ns")
  printf '%7s  %10s  %10s  %12s  %12s  %12s  %s\n' \
    "$n" "$anneal_s" "$loop_s" "$anneal_ms" "$loop_ms" "$ratio" "$agree"
  summary_line loop_vs_shell "N=$n" "$anneal_ms" "$loop_ms" "ms/experiment" "$ratio" "<= 1.5"
  breakdowns+=("$(node_breakdown "$bench_tmp/anneal-$n" "$n" "$anneal_ns")")
done
echo "where anneal's time went (node times from .anneal/.ninja_log include the user's commands):"
printf '%s\n' "${breakdowns[@]}"
