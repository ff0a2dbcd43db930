#!/usr/bin/env bash
# Remote cache: lookups per second (local store, and nginx WebDAV on loopback), then a fully
# cached rebuild of N experiments on a fresh clone against a no-op build.
# Usage: bench/remote_cache.sh [N]   (default 200)
# Needs nginx and curl besides lib.sh's tools (scripts/install-deps.sh installs nginx), and
# bench_remote_cache next to the anneal binary for the lookup figures (ninja bench_remote_cache).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

n=${1:-200}
reps=${REPS:-20}
lookups=${LOOKUPS:-2000}
nginx=${ANNEAL_NGINX:-/usr/sbin/nginx}
[ -x "$nginx" ] || die "no nginx at $nginx (scripts/install-deps.sh installs it, or set ANNEAL_NGINX)"
command -v curl >/dev/null || die "curl is needed"
lookup_bin=${BENCH_REMOTE_CACHE:-$(dirname "$ANNEAL")/bench_remote_cache}

# ---- nginx: a WebDAV store run as this user, everything under $bench_tmp/nginx -------------
ng=$bench_tmp/nginx
nginx_pid=
stop_nginx() {
  if [ -n "$nginx_pid" ]; then kill "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; fi
  nginx_pid=
}
trap 'stop_nginx; bench_cleanup' EXIT
start_nginx() {
  local port attempt
  mkdir -p "$ng/conf" "$ng/logs" "$ng/tmp" "$ng/html/cache"
  for attempt in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 40000))
    cat >"$ng/conf/nginx.conf" <<EOF
master_process off;
error_log $ng/logs/error.log warn;
lock_file $ng/logs/nginx.lock;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $ng/tmp/body;
  proxy_temp_path $ng/tmp/proxy;
  fastcgi_temp_path $ng/tmp/fastcgi;
  uwsgi_temp_path $ng/tmp/uwsgi;
  scgi_temp_path $ng/tmp/scgi;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$port;
    root $ng/html;
    location /cache/ {
      dav_methods PUT DELETE;
      create_full_put_path on;
      client_max_body_size 0;
      log_not_found off;
    }
  }
}
EOF
    "$nginx" -p "$ng/" -c "$ng/conf/nginx.conf" -e "$ng/logs/error.log" -g "daemon off; pid $ng/logs/nginx.pid;" \
      >>"$ng/logs/stderr.log" 2>&1 &
    nginx_pid=$!
    url=http://127.0.0.1:$port/cache
    for _ in $(seq 100); do
      if curl -s -o /dev/null "$url/" 2>/dev/null; then return 0; fi
      kill -0 "$nginx_pid" 2>/dev/null || break
      sleep 0.05
    done
    stop_nginx
  done
  die "nginx did not start: $(tail -3 "$ng/logs/error.log" 2>/dev/null)"
}
start_nginx

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); remote: nginx $("$nginx" -v 2>&1 | sed 's/.*nginx\///') at $url"
echo

# ---- lookups per second ---------------------------------------------------------------------
if [ -x "$lookup_bin" ]; then
  "$lookup_bin" "$url" "$lookups" >"$bench_tmp/lookups.tsv" || die "bench_remote_cache failed"
  get() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' "$bench_tmp/lookups.tsv"; }
  echo "cache lookups per second ($lookups action entries of $(get entry_bytes) bytes, one process, one connection):"
  printf '  %-44s %10s/s\n' \
    "local hit (read, verify, touch)" "$(get local_hit)" \
    "local miss" "$(get local_miss)" \
    "remote hit (GET on loopback, verify)" "$(get remote_hit)" \
    "remote miss (404)" "$(get remote_miss)" \
    "local miss, remote hit, stored locally" "$(get fill)" \
    "upload (local write, HEAD, PUT)" "$(get upload)"
  rm -rf "$ng/html/cache" && mkdir -p "$ng/html/cache"
else
  echo "(no $lookup_bin: build it with 'ninja -C $(dirname "$ANNEAL") bench_remote_cache' for lookup figures)"
fi
echo

# ---- a fully cached rebuild on a fresh clone --------------------------------------------------
# Records without the fields that say when or how long (and the chain, which hashes them), to compare two ledgers.
ledger() { sed -E 's/"(time|duration_s|chain)": *("[^"]*"|[0-9.eE+-]+),? *//g' "$1/.anneal/targets/tune/experiments.jsonl"; }
timed() {  # timed DIR ENV... -- ARGS: seconds on stdout, output in DIR.out
  local dir=$1; shift
  local env=()
  while [ "$1" != -- ]; do env+=("$1"); shift; done
  shift
  local t0 t1
  t0=$(now_ns)
  (cd "$dir" && env -u ANNEAL_REMOTE_CACHE -u ANNEAL_REMOTE_READ_ONLY "${env[@]}" "$ANNEAL" "$@") >"$dir.out" 2>&1 ||
    die "anneal $* failed in $dir: $(tail -5 "$dir.out")"
  t1=$(now_ns)
  div $((t1 - t0)) 1000000000 %.3f
}

make_project "$bench_tmp/origin"
plain_copy=$bench_tmp/plain
git clone -q "$bench_tmp/origin" "$plain_copy"
echo "building $n experiments: once without a remote, once filling it ..."
t_plain=$(timed "$plain_copy" -- build --experiments "$n")
t_fill=$(timed "$bench_tmp/origin" ANNEAL_REMOTE_CACHE="$url" -- build --experiments "$n")
grep -q "remote cache" "$bench_tmp/origin.out" && die "the remote failed while filling: $(grep 'remote cache' "$bench_tmp/origin.out")"
files=$(find "$ng/html/cache" -type f | wc -l)
bytes=$(du -sb "$ng/html/cache" | cut -f1)

# Transfer: one curl downloads every entry once over one connection, what a rebuild must fetch.
(cd "$ng/html/cache" && find . -type f | sed "s|^\./|url = $url/|; s|\$|\noutput = /dev/null|") >"$bench_tmp/urls"
t0=$(now_ns)
curl -s -K "$bench_tmp/urls" || die "curl could not fetch the entries"
t_transfer=$(div $(($(now_ns) - t0)) 1000000000 %.3f)

clone=$bench_tmp/clone
git clone -q "$bench_tmp/origin" "$clone"
t_warm=$(timed "$clone" ANNEAL_REMOTE_CACHE="$url" -- build --experiments "$n")
grep -q "remote cache" "$clone.out" && die "the remote failed during the rebuild: $(grep 'remote cache' "$clone.out")"
[ "$(ledger "$clone")" = "$(ledger "$bench_tmp/origin")" ] || die "the rebuilt ledger differs from the original"
[ "$(git -C "$clone" rev-parse 'anneal/tune^{tree}')" = "$(git -C "$bench_tmp/origin" rev-parse 'anneal/tune^{tree}')" ] ||
  die "the rebuilt incumbent differs from the original"

local_clone=$bench_tmp/local
git clone -q "$bench_tmp/origin" "$local_clone"
mkdir -p "$local_clone/.anneal" && cp -r "$bench_tmp/origin/.anneal/cache" "$local_clone/.anneal/cache"
t_local=$(timed "$local_clone" -- build --experiments "$n")

# The no-op: the same build again in the rebuilt clone, REPS times.
t0=$(now_ns)
for _ in $(seq "$reps"); do
  (cd "$clone" && env -u ANNEAL_REMOTE_CACHE "$ANNEAL" build --experiments "$n") >"$clone.noop" 2>&1
  grep -q "no work to do" "$clone.noop" || die "the build after the rebuild did work: $(tail -3 "$clone.noop")"
done
t_noop=$(div $(($(now_ns) - t0)) $((reps * 1000000000)) %.4f)

ratio=$(awk -v w="$t_warm" -v t="$t_transfer" -v z="$t_noop" 'BEGIN { printf "%.1f", (w - t) / z }')
echo
echo "fully cached rebuild of $n experiments ($files entries, $bytes bytes on the remote):"
printf '  %-52s %9s s\n' \
  "cold build, no remote" "$t_plain" \
  "cold build, filling the remote" "$t_fill" \
  "fresh clone, warm remote (the rebuild)" "$t_warm" \
  "fresh clone, local cache copied in, no remote" "$t_local" \
  "transfer: curl fetching every entry once" "$t_transfer" \
  "no-op build (mean of $reps)" "$t_noop"
echo "  (rebuild - transfer) / no-op = $ratio   (goal: <= 2)"
echo "  rebuild / the same replay from a local cache = $(div "$t_warm" "$t_local")   (what the remote adds)"
echo "  rebuild / cold build = $(div "$t_warm" "$t_plain")"
summary_line remote_cache "fresh clone $n" "$t_warm" "$t_noop" "s vs no-op" "$ratio" "<= 2, + transfer"
