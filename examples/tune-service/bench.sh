#!/bin/sh
# A stand-in benchmark: prints the modelled p50 latency (ms) of service.ini's settings.
# Its minimum, 12.5 ms, lies at threads = 12, batch_size = 48, cache_ratio = 0.65.
awk -F' *= *' '
  $1 == "threads"     { t = $2 }
  $1 == "batch_size"  { b = $2 }
  $1 == "cache_ratio" { c = $2 }
  END {
    latency = 12.5 + (t - 12) ^ 2 * 0.35 + (b - 48) ^ 2 * 0.01 + (c - 0.65) ^ 2 * 60
    printf "p50 latency: %.3f ms\n", latency
  }' service.ini
