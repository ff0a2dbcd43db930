#!/usr/bin/env bash
# Sets up this machine, then builds and runs every test twice: once optimised, once under
# AddressSanitizer and UndefinedBehaviorSanitizer. Usage: scripts/test.sh [--fast] (one build)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh"
jobs=$(nproc)
run_suite() {
  local dir=$1; shift
  cmake -S "$top" -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  ctest --test-dir "$dir" --output-on-failure -j "$jobs"
}
run_suite "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
if [ "${1:-}" != "--fast" ]; then
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    run_suite "$top/build-asan" -DCMAKE_BUILD_TYPE=Debug -DANNEAL_SANITIZE=ON
fi
