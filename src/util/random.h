#pragma once

#include <cstdint>
#include <optional>

namespace anneal {

/// A small, portable pseudo-random generator: xoshiro256** seeded through splitmix64.
/// Unlike std::mt19937 with std:: distributions, every value it produces (integers,
/// uniforms, normals) is the same on every standard library, so a seed reproduces a run
/// on any machine.
class Rng {
 public:
  /// Seeds the four state words from `seed` with splitmix64 (never all zero).
  explicit Rng(uint64_t seed);

  /// The next 64 random bits.
  uint64_t next();
  /// A uniform double in [0, 1) with 53 random bits.
  double uniform();
  /// A standard normal deviate (mean 0, variance 1), by the Marsaglia polar method.
  double normal();
  /// A uniform integer in [0, n), without modulo bias; 0 when n is 0.
  uint64_t below(uint64_t n);

 private:
  uint64_t m_state[4];
  std::optional<double> m_spare_normal;  ///< the polar method yields two deviates at a time
};

/// One step of splitmix64: a strong 64-bit mixing function of `x`.
uint64_t splitmix64(uint64_t x);

/// Derives the seed of an independent stream from a parent seed and a stream index (for
/// example seed → experiment → draft). Order matters: mix_seed(a, b) != mix_seed(b, a).
uint64_t mix_seed(uint64_t a, uint64_t b);

}  // namespace anneal
