#!/usr/bin/env bash
# Sets up this machine, builds anneal and runs a bundled example in a fresh git repository
# under /tmp: the offline numeric tuner lowers a modelled latency (no API key, no network).
# Usage: scripts/example.sh [EXAMPLE]   (default: tune-service; see examples/)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
example=${1:-tune-service}
"$top/scripts/install-deps.sh"
cmake -S "$top" -B "$top/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$top/build" --target anneal
work=$(mktemp -d "/tmp/anneal-$example.XXXXXX")
cp -r "$top/examples/$example/." "$work/"
cd "$work"
git init -q
git -c user.name=anneal-example -c user.email=example@anneal.invalid add -A
git -c user.name=anneal-example -c user.email=example@anneal.invalid commit -qm "example: $example"
echo "== $work: anneal build"
"$top/build/anneal" build
echo "== anneal status"
"$top/build/anneal" status
echo "== the winning change (anneal apply would bring it into your branch):"
git --no-pager diff HEAD "anneal/$(sed -n 's/^  \([a-z][a-z0-9_-]*\):$/\1/p' Annealfile | tail -n 1)" || true
