// Scalar definitions shared by every path (CPU kernels, CUDA host code, tests):
// DESIGN.md's fmix, seeded stream, g() and the minhash permutation coefficients.
#pragma once
#include <cstdint>
#include <vector>

namespace ns {

constexpr uint64_t kGamma = 0x9E3779B97F4A7C15ULL;
constexpr uint64_t kMersenne61 = (1ULL << 61) - 1;  // P
constexpr uint64_t kFnvOffset = 0xCBF29CE484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001B3ULL;

inline uint64_t fmix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// out_i of the seeded stream of `seed`.
inline uint64_t stream(uint64_t seed, uint64_t i) { return fmix(seed + (i + 1) * kGamma); }

// g(seed, t, d) in [−1, 1): (fmix(seed ^ (t·2^32 + d)) >> 40) / 2^24 · 2 − 1.
inline double g(uint64_t seed, uint32_t t, uint32_t d) {
  const uint64_t k = fmix(seed ^ ((uint64_t(t) << 32) | d)) >> 40;
  return double(k) / 8388608.0 - 1.0;  // k / 2^23 − 1
}

// Hash of one shingle: 64-bit FNV-1a over the token ids as little-endian bytes, folded to 32 bits.
inline uint32_t shingle_hash(const uint32_t* t, uint32_t len) {
  uint64_t h = kFnvOffset;
  for (uint32_t i = 0; i < len; i++) {
    for (int byte = 0; byte < 4; byte++) {
      h ^= (t[i] >> (8 * byte)) & 0xFF;
      h *= kFnvPrime;
    }
  }
  return uint32_t(h ^ (h >> 32));
}

// a_j = 1 + (out_{2j} mod (P − 1)), b_j = out_{2j+1} mod P.
inline void minhash_coefficients(uint64_t seed, uint32_t num_perm, std::vector<uint64_t>& a, std::vector<uint64_t>& b) {
  a.resize(num_perm);
  b.resize(num_perm);
  for (uint32_t j = 0; j < num_perm; j++) {
    a[j] = 1 + stream(seed, 2ULL * j) % (kMersenne61 - 1);
    b[j] = stream(seed, 2ULL * j + 1) % kMersenne61;
  }
}

// ((a·h + b) mod P) mod 2^32, exactly (the product needs 93 bits).
inline uint32_t permute(uint64_t a, uint64_t b, uint32_t h) {
  const unsigned __int128 x = (unsigned __int128)a * h + b;
  const uint64_t r = uint64_t(x % kMersenne61);
  return uint32_t(r);
}

}  // namespace ns
