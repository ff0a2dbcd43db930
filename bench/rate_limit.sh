#!/usr/bin/env bash
# The rate limit is the limit: a real `anneal build` judges a baseline against anneal-fake-llm,
# which answers each request in DELAY ms and refuses one beyond C in flight with OpenAI's 429.
# For each C the judge agent's max_concurrent is C too. N judge calls (samples × votes; all
# criteria of a sample are asked in one call) should take no more than
#   1.2 × ceil(N / C) × DELAY  plus anneal's start-up,
# the start-up being the same build against a fake that answers at once (DELAY 0).
# Usage: bench/rate_limit.sh [SAMPLES VOTES]   (default 16 4: N = 64)
#   DELAY_MS (200), LIMITS ("1 4 16"), REPS (1: runs per figure, the median is shown);
#   SHAPES="S:V S:V …" measures several shapes (default: the arguments' one).
# Needs anneal-fake-llm next to the anneal binary (ninja anneal-fake-llm), or FAKE_LLM.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

samples=${1:-16}
votes=${2:-4}
delay=${DELAY_MS:-200}
limits=${LIMITS:-1 4 16}
reps=${REPS:-1}
shapes=${SHAPES:-$samples:$votes}
fake_bin=${FAKE_LLM:-$(dirname "$ANNEAL")/anneal-fake-llm}
[ -x "$fake_bin" ] || die "no anneal-fake-llm at $fake_bin (ninja -C build anneal-fake-llm, or set FAKE_LLM)"

fake_pid=
stop_fake() {
  if [ -n "$fake_pid" ]; then kill "$fake_pid" 2>/dev/null || true; wait "$fake_pid" 2>/dev/null || true; fi
  fake_pid=
}
trap 'stop_fake; bench_cleanup' EXIT

# start_fake DELAY LIMIT LOG: the fake on a free port; sets $port.
start_fake() {
  rm -f "$bench_tmp/port"
  "$fake_bin" --port 0 --port-file "$bench_tmp/port" --log "$3" --delay-ms "$1" --max-concurrent "$2" \
    2>>"$bench_tmp/fake.err" &
  fake_pid=$!
  for _ in $(seq 200); do
    [ -s "$bench_tmp/port" ] && break
    kill -0 "$fake_pid" 2>/dev/null || die "anneal-fake-llm did not start: $(tail -3 "$bench_tmp/fake.err")"
    sleep 0.02
  done
  port=$(cat "$bench_tmp/port")
}

# make_judged DIR PORT LIMIT SAMPLES VOTES: a repository whose baseline is judged on SAMPLES
# inline samples, two criteria, VOTES votes each, by a judge allowed LIMIT requests at once.
make_judged() {
  local dir=$1 i
  mkdir -p "$dir"
  {
    printf 'annealfile: 1\nagents:\n'
    printf '  critic: {kind: api, provider: openai, model: fake-judge, base_url: "http://127.0.0.1:%s/v1", max_concurrent: %s}\n' "$2" "$3"
    printf 'targets:\n  notes:\n    artifact: [notes.md]\n'
    printf '    agent: {kind: command, run: "echo more >> notes.md && echo more > \\"$ANNEAL_HYPOTHESIS_FILE\\""}\n'
    printf '    judge:\n      agent: critic\n      samples:\n'
    for i in $(seq 1 "$4"); do printf '        - "Question %s about my backups"\n' "$i"; done
    printf '      criteria: ["Does the answer use at most three bullet points?", "Is the answer at most 60 words long?"]\n'
    printf '      votes: %s\n' "$5"
    printf '    objective: {metric: judge, direction: maximize}\n'
  } >"$dir/Annealfile"
  printf -- '- keep three copies\n- one off site\n' >"$dir/notes.md"
  git -C "$dir" init -q -b main
  git -C "$dir" add -A
  git -C "$dir" commit -qm "a judged note"
}

# judged_build DELAY LIMIT SAMPLES VOTES: judges a fresh baseline; sets $elapsed (its wall
# time in ms), $refused (429s the fake sent) and $asked (judge requests it answered).
judged_build() {
  local dir=$bench_tmp/run.$RANDOM$RANDOM log=$bench_tmp/fake.log start end
  : >"$log"
  start_fake "$1" "$2" "$log"
  make_judged "$dir" "$port" "$2" "$3" "$4"
  start=$(now_ns)
  (cd "$dir" && "$ANNEAL" build -q --experiments 0 >"$bench_tmp/build.out" 2>&1) ||
    { cat "$bench_tmp/build.out" >&2; die "anneal build failed"; }
  end=$(now_ns)
  stop_fake
  refused=$(grep -c '"status":429' "$log" || true)
  asked=$(grep -v '"status":429' "$log" | grep -c '"fake-judge"' || true)
  rm -rf "$dir"
  elapsed=$(((end - start) / 1000000))
}

median() { tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); fake answers in $delay ms, 429 beyond C in flight"
printf '%-8s %4s %4s %10s %10s %10s %10s %6s %6s  %s\n' \
  "S x V" "N" "C" "startup" "wall" "judging" "goal" "ratio" "429s" ""
for shape in $shapes; do
  s=${shape%:*} v=${shape#*:}
  n=$((s * v))
  for c in $limits; do
    startups=() walls=() refused_total=0
    for _ in $(seq "$reps"); do
      judged_build 0 "$c" "$s" "$v"
      startups+=("$elapsed")
      [ "$asked" = "$n" ] || die "the judge asked $asked times, not $n (S=$s V=$v)"
      judged_build "$delay" "$c" "$s" "$v"
      walls+=("$elapsed")
      refused_total=$((refused_total + refused))
    done
    startup=$(echo "${startups[*]}" | median)
    wall=$(echo "${walls[*]}" | median)
    rounds=$(((n + c - 1) / c))
    ideal=$((rounds * delay))
    judging=$((wall - startup))
    goal=$(awk -v i="$ideal" 'BEGIN { printf "%d", 1.2 * i }')
    ratio=$(div "$judging" "$ideal")
    verdict=$([ "$judging" -le "$goal" ] && echo met || echo MISSED)
    printf '%-8s %4s %4s %8s ms %7s ms %7s ms %7s ms %6s %6s  %s\n' \
      "${s}x$v" "$n" "$c" "$startup" "$wall" "$judging" "$goal" "$ratio" "$refused_total" "$verdict"
    summary_line rate_limit "N=$n S=$s C=$c" "$judging" "$ideal" "ms judging" "$ratio" "<= 1.2"
  done
done
echo "goal: judging (wall - startup) <= 1.2 x ceil(N/C) x $delay ms; ratio = judging / (ceil(N/C) x $delay ms)"
