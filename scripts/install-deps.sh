#!/usr/bin/env bash
# Installs the Debian packages anneal needs to build, run and test. Safe to run again.
# Usage: scripts/install-deps.sh [--list]   (--list: print the packages, install nothing;
#        scripts/check-deps.sh checks that they cover every program the tests call)
set -euo pipefail
packages=(
  g++ cmake ninja-build pkg-config git
  libgit2-dev libyaml-cpp-dev nlohmann-json3-dev libcurl4-openssl-dev libxxhash-dev
  libboost-math-dev catch2 libvalijson-dev libcli11-dev libfmt-dev libcpp-httplib-dev
  libre2-dev  # tune patterns and Annealfile values: regular expressions without backtracking
  bubblewrap  # the sandbox every user command runs in (bwrap)
  nginx  # remote cache tests and benchmarks: a WebDAV server they run themselves, as you
  curl   # remote cache tests and benchmarks: uploads and downloads by hand
  libjs-chart.js  # the dashboard's charts, embedded in the binary at build time (no CDN)
  chromium  # the dashboard's browser test: headless Chromium loads the live page
  python3 python3-minimal  # the browser test's DevTools client and the benchmarks' reference figures
  slurmctld slurmd slurm-client munge  # the Slurm executor's tests: a one-machine cluster
  python3-scipy python3-optuna  # benchmarks' reference figures (never a runtime dependency)
)
if [ "${1:-}" = --list ]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}"
# nginx, munge, slurmctld and slurmd start system services when installed (nginx fails to
# install when port 80 is taken). Tests run their own servers from private directories, so
# keep the services from starting: invoke-rc.d and deb-systemd-invoke ask policy-rc.d, and
# 101 means "not allowed". Then keep them from starting at boot.
guard=/usr/sbin/policy-rc.d
guarded=0
if [ ! -e "$guard" ]; then
  trap '$sudo rm -f "$guard"' EXIT
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$guard" >/dev/null
  $sudo chmod 755 "$guard"
  guarded=1
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if [ "$guarded" = 1 ]; then
  $sudo rm -f "$guard"
  if [ -d /run/systemd/system ]; then
    for service in nginx munge slurmctld slurmd; do
      $sudo systemctl disable --now --quiet "$service" 2>/dev/null || true
    done
  fi
fi
