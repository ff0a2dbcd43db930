#!/bin/sh
# What the CI job runs in the repository with the Annealfile: `anneal build` (sharing results
# through the remote cache, when ANNEAL_REMOTE_CACHE is set), then the reports, into one
# folder to upload as the job's artifact:
#
#   report.html                one self-contained page (chart, kept steps, the best diff)
#   report.md                  the same as a pull-request comment
#   status.json                anneal status --json
#   TARGET.experiments.jsonl   each target's ledger
#   TARGET.history.txt/.csv    anneal history TARGET, as a table and as CSV
#
# Usage: anneal-ci.sh [OUT]   (OUT defaults to anneal-report)
# Environment: ANNEAL (the anneal binary, default: anneal on PATH), ANNEAL_EXPERIMENTS
# (experiments per target, default 20), and anneal's own: ANNEAL_REMOTE_CACHE,
# ANNEAL_REMOTE_TOKEN, ANNEAL_REMOTE_READ_ONLY.
# Exit status: the build's. The reports are written whether the build failed or not.
set -u
anneal=${ANNEAL:-anneal}
out=${1:-anneal-report}
mkdir -p "$out" || exit 1

echo "remote cache: $([ -n "${ANNEAL_REMOTE_CACHE:-}" ] && echo configured || echo none), read-only: ${ANNEAL_REMOTE_READ_ONLY:-no}"
"$anneal" build --experiments "${ANNEAL_EXPERIMENTS:-20}"
built=$?
"$anneal" status

"$anneal" status --json >"$out/status.json"
"$anneal" report -o "$out/report.html"
"$anneal" report --markdown -o "$out/report.md"
for ledger in .anneal/targets/*/experiments.jsonl; do
  [ -e "$ledger" ] || continue
  target=$(basename "$(dirname "$ledger")")
  cp "$ledger" "$out/$target.experiments.jsonl"
  "$anneal" history "$target" >"$out/$target.history.txt"
  "$anneal" history "$target" --csv >"$out/$target.history.csv"
done
exit "$built"
