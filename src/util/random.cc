#include "util/random.h"

#include <cmath>

namespace anneal {

namespace {

constexpr uint64_t k_golden_gamma = 0x9e3779b97f4a7c15ULL;

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

uint64_t splitmix64(uint64_t x) {
  uint64_t z = x + k_golden_gamma;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t mix_seed(uint64_t a, uint64_t b) {
  // Mixing `a` before combining makes the result asymmetric in its arguments, and the
  // second mix spreads a one-bit change of either input over every output bit.
  return splitmix64(splitmix64(a) ^ rotl(b, 17) ^ k_golden_gamma);
}

Rng::Rng(uint64_t seed) {
  // Successive splitmix64 outputs, as the xoshiro authors recommend for seeding.
  uint64_t x = seed;
  for (uint64_t& word : m_state) {
    word = splitmix64(x);
    x += k_golden_gamma;
  }
}

uint64_t Rng::next() {
  const uint64_t result = rotl(m_state[1] * 5, 7) * 9;
  const uint64_t t = m_state[1] << 17;
  m_state[2] ^= m_state[0];
  m_state[3] ^= m_state[1];
  m_state[1] ^= m_state[2];
  m_state[0] ^= m_state[3];
  m_state[2] ^= t;
  m_state[3] = rotl(m_state[3], 45);
  return result;
}

double Rng::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

double Rng::normal() {
  if (m_spare_normal) {
    double spare = *m_spare_normal;
    m_spare_normal.reset();
    return spare;
  }
  // Marsaglia's polar method: only sqrt (exact in IEEE 754) and log, no trigonometry.
  for (;;) {
    double u = 2 * uniform() - 1;
    double v = 2 * uniform() - 1;
    double s = u * u + v * v;
    if (s >= 1 || s == 0)
      continue;
    double factor = std::sqrt(-2 * std::log(s) / s);
    m_spare_normal = v * factor;
    return u * factor;
  }
}

uint64_t Rng::below(uint64_t n) {
  if (n == 0)
    return 0;
  // Rejecting the lowest (2^64 mod n) values leaves a range that is a multiple of n.
  const uint64_t threshold = (0 - n) % n;
  for (;;) {
    uint64_t r = next();
    if (r >= threshold)
      return r % n;
  }
}

}  // namespace anneal
