#!/usr/bin/env bash
# The Slurm executor (docs/slurm.md) on a private one-machine cluster (tests/slurm/cluster.sh:
# Debian's slurmctld, slurmd and munge from scripts/install-deps.sh).
# Usage: bench/slurm_executor.sh [EXPERIMENTS]   (default 20; binary: $ANNEAL or build/anneal)
#
# 1. Per-node overhead: the demo project (bench/lib.sh: an agent, a gate and a stage per
#    experiment, each a few milliseconds of work) built for EXPERIMENTS experiments at -j 1
#    with --executor local and with --executor slurm, in two fresh copies; prints the wall
#    clock of each and the extra time per node through srun. Goal: <= 250 ms per node.
# 2. Parallel slots: one experiment of 8 drafts whose stage sleeps 1 s, on a cluster of 1
#    CPU and one of 2 CPUs (no -j: the build asks sinfo). Goal: 2 slots take <= 0.65 x 1 slot.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

experiments=${1:-20}
[[ $experiments =~ ^[1-9][0-9]*$ ]] || die "EXPERIMENTS must be a positive integer, not '$experiments'"
command -v srun >/dev/null || die "no srun: scripts/install-deps.sh installs Slurm"
cluster_script=$bench_top/tests/slurm/cluster.sh
# The compute node runs `anneal node`: the binary under test first on PATH.
export PATH="$(dirname "$ANNEAL"):$PATH"

# start_cluster CPUS: a cluster that lives as long as fd 9 is open (closed by stop_cluster
# or at exit), SLURM_CONF exported.
cluster_n=0
start_cluster() {
  cluster_n=$((cluster_n + 1))
  local dir=$bench_tmp/cluster$cluster_n fifo=$bench_tmp/cluster$cluster_n.in
  mkfifo "$fifo"
  "$cluster_script" run "$dir" "$1" <"$fifo" >"$bench_tmp/cluster$cluster_n.out" &
  cluster_pid=$!
  exec 9>"$fifo"
  for _ in $(seq 200); do grep -q '^SLURM_CONF=' "$bench_tmp/cluster$cluster_n.out" 2>/dev/null && break; sleep 0.05; done
  grep -q '^SLURM_CONF=' "$bench_tmp/cluster$cluster_n.out" || die "the Slurm cluster did not start"
  export SLURM_CONF=$dir/slurm.conf
}
stop_cluster() {
  exec 9>&-
  wait "$cluster_pid" 2>/dev/null || true
}
trap 'stop_cluster; bench_cleanup' EXIT

# build_seconds DIR ARGS...: wall clock of `anneal build ARGS` in DIR, in seconds.
build_seconds() {
  local dir=$1 t0
  shift
  t0=$(now_ns)
  (cd "$dir" && "$ANNEAL" build "$@" >"$bench_tmp/build.out" 2>&1) || { cat "$bench_tmp/build.out" >&2; die "anneal build $* failed in $dir"; }
  div "$(($(now_ns) - t0))" 1000000000 %.3f
}

start_cluster 2
# After the cluster: srun reads SLURM_CONF even to print its version.
echo "slurm_executor: load average $(cut -d' ' -f1-3 /proc/loadavg); $(srun --version)"
make_project "$bench_tmp/local"
make_project "$bench_tmp/slurm"
local_s=$(build_seconds "$bench_tmp/local" --experiments "$experiments" -j 1 --executor local)
slurm_s=$(build_seconds "$bench_tmp/slurm" --experiments "$experiments" -j 1 --executor slurm)
# The baseline's gate and stage, then an agent, a gate and a stage per experiment.
nodes=$((2 + 3 * experiments))
cmp <(cd "$bench_tmp/local" && "$ANNEAL" history tune --json | awk '{ gsub(/"(duration_s|time|commit|parent|chain|prev)": *("[^"]*"|[0-9.e+-]+),?/, ""); print }' | grep -o '"outcome": *"[a-z]*"') \
  <(cd "$bench_tmp/slurm" && "$ANNEAL" history tune --json | awk '{ gsub(/"(duration_s|time|commit|parent|chain|prev)": *("[^"]*"|[0-9.e+-]+),?/, ""); print }' | grep -o '"outcome": *"[a-z]*"') >/dev/null ||
  die "the outcomes differ between --executor local and --executor slurm"
extra_ms=$(awk -v s="$slurm_s" -v l="$local_s" -v n="$nodes" 'BEGIN { printf "%.0f", (s - l) * 1000 / n }')
local_ms=$(awk -v l="$local_s" -v n="$nodes" 'BEGIN { printf "%.0f", l * 1000 / n }')
slurm_ms=$(awk -v s="$slurm_s" -v n="$nodes" 'BEGIN { printf "%.0f", s * 1000 / n }')
printf '%-34s %10s %10s %14s\n' "$experiments experiments, $nodes nodes, -j 1" local_s slurm_s "srun ms/node"
printf '%-34s %10s %10s %14s\n' "" "$local_s" "$slurm_s" "+$extra_ms"
summary_line slurm_executor "ms per node" "$slurm_ms" "$local_ms local" "ms/node" "$(div "$slurm_ms" "$local_ms")" "<= 250 ms more"
stop_cluster

# 8 drafts, each stage a second of sleep, on 1 then 2 slots.
make_drafts_project() {
  local dir=$1
  make_project "$dir"
  sed -i 's/^    verify: .*/    drafts: 8/; s|{name: distance, run: "sh score.sh", timeout: 10s}|{name: distance, run: "sleep 1; sh score.sh", timeout: 30s}|' "$dir/Annealfile"
  # Each draft its own step, so that no two drafts are the same candidate.
  sed -i 's/awk -v n="$ANNEAL_EXPERIMENT"/awk -v n="$((ANNEAL_EXPERIMENT * 8 + ANNEAL_DRAFT))"/' "$dir/agent.sh"
  git -C "$dir" commit -qam "8 drafts, a stage of a second"
}
declare -A wall
for slots in 1 2; do
  start_cluster "$slots"
  make_drafts_project "$bench_tmp/drafts$slots"
  wall[$slots]=$(build_seconds "$bench_tmp/drafts$slots" --experiments 1 --executor slurm)
  stop_cluster
done
ratio=$(div "${wall[2]}" "${wall[1]}")
printf '%-34s %10s %10s %14s\n' "1 experiment of 8 drafts (1 s stage)" "1 slot s" "2 slots s" "2/1"
printf '%-34s %10s %10s %14s\n' "" "${wall[1]}" "${wall[2]}" "$ratio"
summary_line slurm_executor "8 drafts, 2 slots" "${wall[2]}" "${wall[1]} 1 slot" "s" "$ratio" "<= 0.65"
