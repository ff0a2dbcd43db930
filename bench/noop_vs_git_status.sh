#!/usr/bin/env bash
# Cost of a no-op `anneal build` against `git status`, as the ledger grows.
# Usage: bench/noop_vs_git_status.sh [SIZE...]   (default: 100 1000 10000 past experiments)
#        REPS=200 calls of each command per size; binary: $ANNEAL or build/anneal.
#
# In the demo project (bench/lib.sh, about fifty tracked files), runs a real build of a few
# experiments, then grows the ledger to SIZE experiments by appending copies of its last
# record with only "id" and "key" changed, checks that `anneal build --experiments SIZE`
# says "no work to do", and times REPS no-op builds and REPS `git status` calls (run in
# alternating rounds, so a change in machine load hits both). Prints the mean per call.
# Goal: anneal/git <= 2, flat across sizes (the last size within 25% of the first).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100 1000 10000)
for size in "${sizes[@]}"; do [[ $size =~ ^[1-9][0-9]*$ ]] || die "SIZE must be a positive integer, not '$size'"; done
reps=${REPS:-200}
rounds=5
[[ $reps =~ ^[1-9][0-9]*$ ]] || die "REPS must be a positive integer, not '$reps'"
[ "$reps" -ge "$rounds" ] || rounds=$reps

repo=$bench_tmp/project
ledger=$repo/.anneal/targets/tune/experiments.jsonl
ledger_tool=${BENCH_LEDGER_READ:-$(dirname "$ANNEAL")/bench_ledger_read}
[ -x "$ledger_tool" ] || die "no $ledger_tool: build it with 'ninja -C $(dirname "$ANNEAL") bench_ledger_read'"
make_project "$repo"
cd "$repo"
"$ANNEAL" build --experiments 5 >"$bench_tmp/first-build.out" 2>&1 ||
  { cat "$bench_tmp/first-build.out" >&2; die "the first real build failed"; }

# extend_ledger LAST_ID: appends records up to id LAST_ID, each a copy of the last record
# with its id and key changed, chained as anneal chains its records (a line appended any other
# way is reported as forged and not believed).
extend_ledger() {
  "$ledger_tool" extend "$ledger" "$1" || die "bench_ledger_read extend failed"
}

# time_calls COUNT COMMAND...: nanoseconds for COUNT runs of COMMAND, output discarded.
time_calls() {
  local count=$1 i t0
  shift
  t0=$(now_ns)
  for ((i = 0; i < count; i++)); do "$@" >/dev/null 2>&1; done
  echo $(($(now_ns) - t0))
}

echo "anneal: $ANNEAL"
echo "noop_vs_git_status: mean wall clock per call over $reps calls; $(git ls-files | wc -l) tracked files;" \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%11s  %14s  %14s  %10s  %22s\n' experiments anneal_noop_ms git_status_ms anneal/git "first no-op after growth"
for size in "${sizes[@]}"; do
  last=$(wc -l <"$ledger")
  last=$((last - 1))
  [ "$size" -ge "$last" ] || die "sizes must grow: the ledger already holds $last experiments"
  extend_ledger "$size"
  lines=$(wc -l <"$ledger")
  [ "$lines" -eq $((size + 1)) ] || die "the ledger has $lines lines, expected $((size + 1))"

  t0=$(now_ns)
  status=0
  out=$("$ANNEAL" build --experiments "$size" 2>&1) || status=$?
  first_ns=$(($(now_ns) - t0))
  if [ "$status" -ne 0 ] || [[ $out != *"no work to do"* ]]; then
    echo "$out" >&2
    die "with $size synthetic experiments, 'anneal build --experiments $size' (exit $status) was not a no-op"
  fi
  git status >/dev/null # refreshes the index once, as any user's first call would

  anneal_ns=0 git_ns=0
  for ((r = 0; r < rounds; r++)); do
    count=$((reps / rounds + (r < reps % rounds ? 1 : 0)))
    anneal_ns=$((anneal_ns + $(time_calls "$count" "$ANNEAL" build --experiments "$size")))
    git_ns=$((git_ns + $(time_calls "$count" git status)))
  done
  out=$("$ANNEAL" build --experiments "$size" 2>&1) || true
  [[ $out == *"no work to do"* ]] || die "after timing, the no-op build did work: $out"
  [ "$(wc -l <"$ledger")" -eq $((size + 1)) ] || die "the no-op builds changed the ledger"

  anneal_ms=$(div "$anneal_ns" "$((reps * 1000000))" %.2f)
  git_ms=$(div "$git_ns" "$((reps * 1000000))" %.2f)
  ratio=$(div "$anneal_ns" "$git_ns")
  first_ms=$(div "$first_ns" 1000000 %.1f)
  printf '%11s  %14s  %14s  %10s  %19s ms\n' "$size" "$anneal_ms" "$git_ms" "$ratio" "$first_ms"
  summary_line noop_vs_git_status "$size experiments" "$anneal_ms" "$git_ms" "ms/call" "$ratio" "<= 2, flat"
  first_size=${first_size:-$size} first_anneal_ms=${first_anneal_ms:-$anneal_ms}
done
if [ "$size" != "$first_size" ]; then
  growth=$(div "$anneal_ms" "$first_anneal_ms")
  echo "flatness: the no-op at $size experiments takes $growth x its time at $first_size (1.00 = flat)"
  summary_line noop_vs_git_status "growth $first_size->$size" "$anneal_ms" "$first_anneal_ms" "ms/call" "$growth" "<= 1.25"
fi
