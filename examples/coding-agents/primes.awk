# Prints the primes up to n, one per line: awk -v n=20000 -f primes.awk
# Deliberately slow (trial division by every smaller number), so there is something to improve.
BEGIN {
  for (i = 2; i <= n; i++) {
    prime = 1
    for (d = 2; d < i; d++) {
      if (i % d == 0) {
        prime = 0
        break
      }
    }
    if (prime)
      print i
  }
}
