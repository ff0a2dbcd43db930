#!/usr/bin/env bash
# Installs the Debian packages anneal needs to build, run and test. Safe to run again.
set -euo pipefail
packages=(
  g++ cmake ninja-build pkg-config git
  libgit2-dev libyaml-cpp-dev nlohmann-json3-dev libcurl4-openssl-dev libxxhash-dev
  libboost-math-dev catch2 libvalijson-dev libcli11-dev libfmt-dev libcpp-httplib-dev

)
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
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
