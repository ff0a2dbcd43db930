#!/bin/sh
# Runs the example end to end without a key: copies it into a fresh git repository, starts
# anneal-fake-llm (a rule-based stand-in for the three models) on loopback, runs
# `anneal build`, then shows `anneal status` and `anneal history support-prompt`.
#
#   examples/prompt-optimization/run.sh [DIR]
#
# DIR (must not exist) keeps the repository for a look afterwards (`anneal show`, `git log
# anneal/support-prompt`); without it a temporary one is removed at the end. Builds nothing:
# ANNEAL and FAKE_LLM name the binaries (default build/anneal and build/anneal-fake-llm in
# the anneal checkout), FAKE_LLM_PORT the port (default 18431; 0 picks a free one).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
absolute() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
anneal=$(absolute "${ANNEAL:-$root/build/anneal}")
fake=$(absolute "${FAKE_LLM:-$root/build/anneal-fake-llm}")
port=${FAKE_LLM_PORT:-18431}
for bin in "$anneal" "$fake"; do
  if [ ! -x "$bin" ]; then
    echo "run.sh: $bin is missing: build it (ninja -C build anneal anneal-fake-llm) or set ANNEAL and FAKE_LLM" >&2
    exit 1
  fi
done

if [ $# -gt 0 ]; then
  repo=$(absolute "$1")
  keep=1
  if [ -e "$repo" ]; then
    echo "run.sh: $repo already exists" >&2
    exit 2
  fi
else
  repo=
  keep=0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/anneal-prompt-optimization.XXXXXX")
[ -n "$repo" ] || repo=$work/repo
fake_pid=

# Stops the fake on every way out (success, failure, Ctrl-C, a closed pipe as in
# `run.sh | head`), then removes what is not kept.
cleanup() {
  status=$?
  if [ -n "$fake_pid" ]; then
    kill "$fake_pid" 2>/dev/null || true
    wait "$fake_pid" 2>/dev/null || true
  fi
  if [ "$keep" = 1 ]; then
    rm -rf "$work"
  else
    rm -rf "$work" "$repo"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM

mkdir -p "$repo"
cp -R "$here/." "$repo/"
rm -f "$repo/run.sh" "$repo/README.md"
cd "$repo"

"$fake" --port "$port" --port-file "$work/port" --log "$work/requests.jsonl" &
fake_pid=$!
tries=0
until [ -s "$work/port" ]; do
  if ! kill -0 "$fake_pid" 2>/dev/null; then
    fake_pid=
    echo "run.sh: anneal-fake-llm did not start (is port $port taken? try FAKE_LLM_PORT=0)" >&2
    exit 1
  fi
  tries=$((tries + 1))
  if [ "$tries" -gt 100 ]; then
    echo "run.sh: anneal-fake-llm did not report its port within 10s" >&2
    exit 1
  fi
  sleep 0.1
done
actual=$(cat "$work/port")
if [ "$actual" != 18431 ]; then
  sed "s|http://127.0.0.1:18431/v1|http://127.0.0.1:$actual/v1|" Annealfile >Annealfile.new
  mv Annealfile.new Annealfile
fi

git init -q
git add -A
git -c user.name=anneal-example -c user.email=example@anneal.invalid commit -qm "prompt-optimization example"

# Keep the example's lessons out of the user's own learning pool (~/.config/anneal).
ANNEAL_CONFIG_DIR=$work/config
export ANNEAL_CONFIG_DIR

echo "== anneal build (fake LLM on 127.0.0.1:$actual, repository $repo)"
"$anneal" build
echo
echo "== anneal status"
"$anneal" status
echo
echo "== anneal history support-prompt"
"$anneal" history support-prompt
echo
echo "== prompt.md on branch anneal/support-prompt"
git show anneal/support-prompt:prompt.md
echo
echo "The fake answered $(wc -l <"$work/requests.jsonl") request(s)."
[ "$keep" = 0 ] || echo "The repository is kept in $repo."
