#!/bin/sh
# Gate: primes.awk must list exactly the primes up to 2000 (expected.txt), and nothing else.
awk -v n=2000 -f primes.awk | cmp -s - expected.txt || {
  echo "primes.awk does not print the primes up to 2000 (compare with expected.txt)" >&2
  exit 1
}
