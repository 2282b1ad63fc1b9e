// The CPU kernels, written once. kernels_portable.cc, kernels_avx2.cc and kernels_avx512.cc each
// include this header with their own -m flags and NS_ISA_NAMESPACE, so everything here is inline
// and lives in that namespace. The code uses GCC/Clang vector extensions at the native register
// width of the flags it is compiled with (64 bytes with AVX-512, 32 with AVX2, 16 otherwise: SSE2
// on x86-64, NEON on arm64), so the one source becomes zmm, ymm or xmm/q-register code. Intrinsics
// appear only in the few helpers below that vector extensions cannot express (32×32→64-bit
// multiply, fused multiply-add), each with a plain vector-extension fallback.
//
// Exactness: minhash, embed_accumulate and token_vectors are bit-exact against hashing.h.
// matmul and the attention dot products are float with FMA; attention's softmax sum and the
// weights it adds are double.
#pragma once
#include <cmath>
#include <cstring>
#include <vector>

#include "hashing.h"
#include "kernels.h"

#if defined(__AVX512F__) || defined(__AVX2__) || defined(__SSE2__)
#include <immintrin.h>
#elif defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>
#endif

// Bytes of one native vector register for these flags.
#if defined(__AVX512F__)
#define NS_VB 64
#elif defined(__AVX2__)
#define NS_VB 32
#else
#define NS_VB 16
#endif

#if defined(__FMA__) || defined(__aarch64__)
#define NS_HW_FMA 1
#else
#define NS_HW_FMA 0
#endif

namespace ns {
namespace NS_ISA_NAMESPACE {

typedef uint64_t u64v __attribute__((vector_size(NS_VB)));
typedef uint32_t u32v __attribute__((vector_size(NS_VB)));
typedef int32_t i32v __attribute__((vector_size(NS_VB)));
typedef float f32v __attribute__((vector_size(NS_VB)));
typedef double f64v __attribute__((vector_size(NS_VB)));
typedef uint32_t u32h __attribute__((vector_size(NS_VB / 2)));  // half a register
typedef float f32h __attribute__((vector_size(NS_VB / 2)));

constexpr int kL32 = NS_VB / 4;  // float / uint32 lanes
constexpr int kL64 = NS_VB / 8;  // double / uint64 lanes

// ---------------------------------------------------------------------------------------------
// Helpers

template <class V, class T>
inline V loadv(const T* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class V, class T>
inline void storev(T* p, const V& v) {
  std::memcpy(p, &v, sizeof v);
}
inline u64v splat64(uint64_t x) { return u64v{} + x; }
inline u32v splat32(uint32_t x) { return u32v{} + x; }
// x − 0 (not 0 + x, which is not x for x = −0) folds to a plain broadcast.
inline f32v splatf(float x) { return x - f32v{}; }
inline f64v splatd(double x) { return x - f64v{}; }

inline u64v iota64(uint64_t base) {
  uint64_t a[kL64];
  for (int l = 0; l < kL64; l++) a[l] = base + uint64_t(l);
  return loadv<u64v>(a);
}
inline i32v iota32() {
  int32_t a[kL32];
  for (int l = 0; l < kL32; l++) a[l] = l;
  return loadv<i32v>(a);
}

// (a mod 2^32)·(b mod 2^32) per 64-bit lane: one vpmuludq / pmuludq / umull.
inline u64v mul32(u64v a, u64v b) {
#if defined(__AVX512F__)
  // The maskz form: GCC 12's _mm512_mul_epu32 trips -Wmaybe-uninitialized on its undefined source.
  return (u64v)_mm512_maskz_mul_epu32((__mmask8)0xFF, (__m512i)a, (__m512i)b);
#elif defined(__AVX2__)
  return (u64v)_mm256_mul_epu32((__m256i)a, (__m256i)b);
#elif defined(__SSE2__)
  return (u64v)_mm_mul_epu32((__m128i)a, (__m128i)b);
#elif defined(__aarch64__) && defined(__ARM_NEON)
  return (u64v)vmull_u32(vmovn_u64((uint64x2_t)a), vmovn_u64((uint64x2_t)b));
#else
  const u64v m = splat64(0xFFFFFFFFu);
  return (a & m) * (b & m);
#endif
}

// a·b + c, fused where the hardware has it (explicitly, rather than trusting -ffp-contract).
inline f32v fmadd(f32v a, f32v b, f32v c) {
#if defined(__AVX512F__)
  return (f32v)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c);
#elif defined(__AVX2__) && defined(__FMA__)
  return (f32v)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c);
#elif defined(__aarch64__) && defined(__ARM_NEON)
  return (f32v)vfmaq_f32((float32x4_t)c, (float32x4_t)a, (float32x4_t)b);
#else
  return a * b + c;
#endif
}
inline f64v fmadd(f64v a, f64v b, f64v c) {
#if defined(__AVX512F__)
  return (f64v)_mm512_fmadd_pd((__m512d)a, (__m512d)b, (__m512d)c);
#elif defined(__AVX2__) && defined(__FMA__)
  return (f64v)_mm256_fmadd_pd((__m256d)a, (__m256d)b, (__m256d)c);
#elif defined(__aarch64__) && defined(__ARM_NEON)
  return (f64v)vfmaq_f64((float64x2_t)c, (float64x2_t)a, (float64x2_t)b);
#else
  return a * b + c;
#endif
}
inline float fmadd1(float a, float b, float c) {
#if NS_HW_FMA
  return __builtin_fmaf(a, b, c);
#else
  return a * b + c;
#endif
}

inline f32v vmax(f32v a, f32v b) { return a > b ? a : b; }
inline u32v vmin(u32v a, u32v b) { return a < b ? a : b; }

inline float hmax(f32v v) {
  float a[kL32];
  storev(a, v);
  float m = a[0];
  for (int l = 1; l < kL32; l++) m = a[l] > m ? a[l] : m;
  return m;
}
inline double hsum(f64v v) {
  double a[kL64];
  storev(a, v);
  double s = 0;
  for (int l = 0; l < kL64; l++) s += a[l];
  return s;
}

// Shuffles for the dot-product reduction. "In-block" pairs lanes inside each 128-bit block
// (vshufps / uzp), "block" pairs whole 128-bit blocks across two registers.
#if NS_VB == 64
#define NS_EVEN4 0, 2, 16, 18, 4, 6, 20, 22, 8, 10, 24, 26, 12, 14, 28, 30
#define NS_ODD4 1, 3, 17, 19, 5, 7, 21, 23, 9, 11, 25, 27, 13, 15, 29, 31
#define NS_EVENB 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27
#define NS_ODDB 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31
#elif NS_VB == 32
#define NS_EVEN4 0, 2, 8, 10, 4, 6, 12, 14
#define NS_ODD4 1, 3, 9, 11, 5, 7, 13, 15
#define NS_EVENB 0, 1, 2, 3, 8, 9, 10, 11
#define NS_ODDB 4, 5, 6, 7, 12, 13, 14, 15
#else
#define NS_EVEN4 0, 2, 4, 6
#define NS_ODD4 1, 3, 5, 7
#endif

inline f32v pairsum4(f32v a, f32v b) {
  return __builtin_shufflevector(a, b, NS_EVEN4) + __builtin_shufflevector(a, b, NS_ODD4);
}
#if NS_VB > 16
inline f32v pairsumb(f32v a, f32v b) {
  return __builtin_shufflevector(a, b, NS_EVENB) + __builtin_shufflevector(a, b, NS_ODDB);
}
#endif

// Given kL32 accumulators, returns the vector whose lane m is the sum of the lanes of a[m].
// Two in-block levels leave, per 128-bit block, the partial sums of four accumulators in
// order; log2(blocks) block levels then add the blocks, keeping that order.
inline f32v reduce_lanes(f32v* a) {
  f32v b[kL32 / 2];
#pragma GCC unroll 16
  for (int m = 0; m < kL32 / 2; m++) b[m] = pairsum4(a[2 * m], a[2 * m + 1]);
#pragma GCC unroll 16
  for (int m = 0; m < kL32 / 4; m++) a[m] = pairsum4(b[2 * m], b[2 * m + 1]);
#if NS_VB > 16
#pragma GCC unroll 16
  for (int m = 0; m < kL32 / 8; m++) a[m] = pairsumb(a[2 * m], a[2 * m + 1]);
#endif
#if NS_VB > 32
  a[0] = pairsumb(a[0], a[1]);
#endif
  return a[0];
}

// e^x for x ≤ 0 (Cephes expf: x = n·ln2 + r, |r| ≤ ln2/2, degree-7 polynomial, 2^n through the
// exponent bits). Relative error about 1e-7. Inputs below −86.5 (results under 3e−38, so no
// result is subnormal) give 0; for them n, r and 2^n may be anything, even NaN, as the final
// select drops them.
inline f32v exp_nonpos(f32v x) {
  const f32v magic = splatf(12582912.0f);  // 1.5·2^23: adding it rounds to an integer
  const f32v t = fmadd(x, splatf(1.44269504088896341f), magic);
  const f32v n = t - magic;
  f32v r = fmadd(n, splatf(-0.693359375f), x);
  r = fmadd(n, splatf(2.12194440e-4f), r);
  f32v p = splatf(1.9875691500e-4f);
  p = fmadd(p, r, splatf(1.3981999507e-3f));
  p = fmadd(p, r, splatf(8.3334519073e-3f));
  p = fmadd(p, r, splatf(4.1665795894e-2f));
  p = fmadd(p, r, splatf(1.6666665459e-1f));
  p = fmadd(p, r, splatf(5.0000001201e-1f));
  const f32v y = fmadd(p, r * r, r) + splatf(1.0f);
  // t's bits are 0x4B400000 + n; 2^n is (n + 127) << 23.
  const i32v e = ((i32v)t - (0x4B400000 - 127)) << 23;
  return x < splatf(-86.5f) ? f32v{} : y * (f32v)e;
}

// The low and high halves of a float vector, as doubles.
#if defined(__AVX512F__) || defined(__AVX2__)
inline f64v widen(f32h h) {
#if defined(__AVX512F__)
  return (f64v)_mm512_maskz_cvtps_pd((__mmask8)0xFF, (__m256)h);  // maskz: see mul32
#else
  return (f64v)_mm256_cvtps_pd((__m128)h);
#endif
}
inline f64v widen_lo(f32v v) {
  f32h h;
  std::memcpy(&h, &v, sizeof h);
  return widen(h);
}
inline f64v widen_hi(f32v v) {
  f32h h;
  std::memcpy(&h, reinterpret_cast<const char*>(&v) + sizeof h, sizeof h);
  return widen(h);
}
#elif defined(__SSE2__)
inline f64v widen_lo(f32v v) { return (f64v)_mm_cvtps_pd((__m128)v); }
inline f64v widen_hi(f32v v) { return (f64v)_mm_cvtps_pd(_mm_movehl_ps((__m128)v, (__m128)v)); }
#elif defined(__aarch64__) && defined(__ARM_NEON)
inline f64v widen_lo(f32v v) { return (f64v)vcvt_f64_f32(vget_low_f32((float32x4_t)v)); }
inline f64v widen_hi(f32v v) { return (f64v)vcvt_high_f64_f32((float32x4_t)v); }
#else
inline f64v widen_lo(f32v v) {
  f32h h;
  std::memcpy(&h, &v, sizeof h);
  return __builtin_convertvector(h, f64v);
}
inline f64v widen_hi(f32v v) {
  f32h h;
  std::memcpy(&h, reinterpret_cast<const char*>(&v) + sizeof h, sizeof h);
  return __builtin_convertvector(h, f64v);
}
#endif

// ---------------------------------------------------------------------------------------------
// minhash

// out[i] = shingle_hash(t + i, len) for i < count (in the low 32 bits; the high bits are
// whatever the fold left). FNV-1a is one serial chain of multiplies per shingle, so several
// shingles go at once: in vector lanes where 64-bit lane multiplies are native (AVX-512DQ),
// otherwise as 8 interleaved scalar chains (a scalar 64-bit multiply beats the three-product
// vector emulation).
inline void hash_shingles(const uint32_t* t, size_t count, uint32_t len, uint64_t* out) {
  size_t i = 0;
#if defined(__AVX512DQ__)
  const u64v prime = splat64(kFnvPrime);
  for (; i + kL64 <= count; i += kL64) {
    u64v h = splat64(kFnvOffset);
    for (uint32_t k = 0; k < len; k++) {
      const u64v tok = __builtin_convertvector(loadv<u32h>(t + i + k), u64v);
      h = (h ^ (tok & 0xFF)) * prime;
      h = (h ^ ((tok >> 8) & 0xFF)) * prime;
      h = (h ^ ((tok >> 16) & 0xFF)) * prime;
      h = (h ^ (tok >> 24)) * prime;
    }
    storev(out + i, h ^ (h >> 32));
  }
#elif defined(__AVX2__)
  // FNV's prime is 2^40 + 0x1B3, so h·prime = (h << 40) + lo(h)·0x1B3 + (hi(h)·0x1B3 << 32):
  // two 32×32 products instead of three. Four groups of lanes interleave to hide their latency.
  constexpr int kGroups = 4;
  const u64v small = splat64(0x1B3);
  for (; i + kGroups * kL64 <= count; i += kGroups * kL64) {
    u64v h[kGroups];
    for (int g = 0; g < kGroups; g++) h[g] = splat64(kFnvOffset);
    for (uint32_t k = 0; k < len; k++) {
      u64v tok[kGroups];
      for (int g = 0; g < kGroups; g++) tok[g] = __builtin_convertvector(loadv<u32h>(t + i + g * kL64 + k), u64v);
      for (int byte = 0; byte < 4; byte++) {
#pragma GCC unroll 4
        for (int g = 0; g < kGroups; g++) {
          const u64v x = h[g] ^ ((tok[g] >> (8 * byte)) & 0xFF);
          h[g] = (x << 40) + mul32(x, small) + (mul32(x >> 32, small) << 32);
        }
      }
    }
    for (int g = 0; g < kGroups; g++) storev(out + i + g * kL64, h[g] ^ (h[g] >> 32));
  }
#else
  constexpr int kChains = 8;
  for (; i + kChains <= count; i += kChains) {
    uint64_t h[kChains];
    for (int c = 0; c < kChains; c++) h[c] = kFnvOffset;
    for (uint32_t k = 0; k < len; k++) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
      // The token's little-endian bytes are its bytes in memory.
      const uint8_t* p = reinterpret_cast<const uint8_t*>(t + i + k);
      for (int byte = 0; byte < 4; byte++) {
#pragma GCC unroll 8
        for (int c = 0; c < kChains; c++) h[c] = (h[c] ^ p[4 * c + byte]) * kFnvPrime;
      }
#else
      for (int byte = 0; byte < 4; byte++) {
#pragma GCC unroll 8
        for (int c = 0; c < kChains; c++) h[c] = (h[c] ^ ((t[i + k + c] >> (8 * byte)) & 0xFF)) * kFnvPrime;
      }
#endif
    }
    for (int c = 0; c < kChains; c++) out[i + c] = h[c] ^ (h[c] >> 32);
  }
#endif
  for (; i < count; i++) out[i] = shingle_hash(t + i, len);
}

// Mins of ((a·h + b) mod P) mod 2^32 over the hashes, for kPB·kL64 permutations held in
// registers. With a = a1·2^31 + a0 (a0 < 2^31, a1 < 2^30), lo = a0·h < 2^63 and
// hi = a1·h < 2^62 = hh·2^30 + hl, a·h + b ≡ s = lo + b + hh + hl·2^31 (mod P), s < 2^64.
// With s = S·2^61 + s0 (S ≤ 5), s ≡ r = s0 + S; r ≥ P iff s0 + S + 1 ≥ 2^61, and then
// r − P ≡ r + 1 (mod 2^32). So (s mod P) mod 2^32 = low32(s + ((s + S + 1) >> 61)).
template <int PB>
inline void minhash_block(const uint64_t* hs, size_t count, const uint64_t* a0, const uint64_t* a1,
                          const uint64_t* bb, uint64_t* out) {
  u64v va0[PB], va1[PB], vb[PB];
  u32v mins[PB];
  for (int v = 0; v < PB; v++) {
    va0[v] = loadv<u64v>(a0 + v * kL64);
    va1[v] = loadv<u64v>(a1 + v * kL64);
    vb[v] = loadv<u64v>(bb + v * kL64);
    mins[v] = splat32(0xFFFFFFFFu);
  }
  const u64v one = splat64(1);
  for (size_t i = 0; i < count; i++) {
    const u64v h = splat64(hs[i]);
#pragma GCC unroll 8
    for (int v = 0; v < PB; v++) {
      const u64v lo = mul32(va0[v], h);
      const u64v hi = mul32(va1[v], h);
      const u64v s = lo + vb[v] + (hi >> 30) + ((hi & 0x3FFFFFFF) << 31);
      const u64v r = s + ((s + (s >> 61) + one) >> 61);
      // Only the low 32 bits matter: an unsigned 32-bit min keeps them right in each lane's
      // low half (the high halves carry junk that is never read).
      mins[v] = vmin(mins[v], (u32v)r);
    }
  }
  for (int v = 0; v < PB; v++) storev(out + v * kL64, (u64v)mins[v] & 0xFFFFFFFFu);
}

// The same mins by a shorter route. With a = a1·2^32 + a0, b = b1·2^32 + b0 and x = a·h + b:
// u = a0·h + b0 < 2^64, v = a1·h + b1 + (u >> 32) < 2^62, x = v·2^32 + low32(u). Writing
// x = X·2^61 + L (X = v >> 29), x ≡ X + L (mod P), so x = q·P + (x mod P) with q = X + c,
// c = 1 iff X + L ≥ P, else 0; and as P ≡ −1 (mod 2^32), (x mod P) mod 2^32 = low32(u + X + c).
// c can be 1 only when L ≥ 2^61 − 2^32, i.e. when v's low 29 bits are all ones: about one
// case in 2^29. The loop takes c = 0 and flags such lanes; a flagged block is recomputed by
// minhash_block. Returns false when it flagged.
template <int PB>
inline bool minhash_block_fast(const uint64_t* hs, size_t count, const uint64_t* a0, const uint64_t* a1,
                               const uint64_t* b0, const uint64_t* b1, uint64_t* out) {
  u64v va0[PB], va1[PB], vb0[PB], vb1[PB];
  u32v mins[PB];
  for (int v = 0; v < PB; v++) {
    va0[v] = loadv<u64v>(a0 + v * kL64);
    va1[v] = loadv<u64v>(a1 + v * kL64);
    vb0[v] = loadv<u64v>(b0 + v * kL64);
    vb1[v] = loadv<u64v>(b1 + v * kL64);
    mins[v] = splat32(0xFFFFFFFFu);
  }
  const u64v low29 = splat64((1ULL << 29) - 1);
  u64v flag = u64v{};
  for (size_t i = 0; i < count; i++) {
    const u64v h = splat64(hs[i]);
#pragma GCC unroll 8
    for (int v = 0; v < PB; v++) {
      const u64v u = mul32(va0[v], h) + vb0[v];
      const u64v w = mul32(va1[v], h) + vb1[v] + (u >> 32);
      mins[v] = vmin(mins[v], (u32v)(u + (w >> 29)));
      flag |= (u64v)((w & low29) == low29);
    }
  }
  for (int v = 0; v < PB; v++) storev(out + v * kL64, (u64v)mins[v] & 0xFFFFFFFFu);
  uint64_t f[kL64];
  storev(f, flag);
  for (int l = 0; l < kL64; l++)
    if (f[l]) return false;
  return true;
}

constexpr int kMinhashPB = 4;  // vectors of permutations per block: 8, 16 or 32 permutations

inline void minhash(const uint32_t* t, size_t n, uint32_t shingle, const uint64_t* a, const uint64_t* b,
                    uint32_t num_perm, uint32_t* sig) {
  for (uint32_t j = 0; j < num_perm; j++) sig[j] = 0xFFFFFFFFu;
  if (n == 0 || num_perm == 0) return;
  const size_t count = n >= shingle ? n - shingle + 1 : 1;
  const uint32_t len = n >= shingle ? shingle : uint32_t(n);
  std::vector<uint64_t> hs(count);
  hash_shingles(t, count, len, hs.data());

  constexpr int kBlock = kMinhashPB * kL64;
  uint64_t a0[kBlock], a1[kBlock], bb[kBlock], fa0[kBlock], fa1[kBlock], fb0[kBlock], fb1[kBlock], out[kBlock];
  for (uint32_t p0 = 0; p0 < num_perm; p0 += kBlock) {
    const uint32_t m = num_perm - p0 < uint32_t(kBlock) ? num_perm - p0 : uint32_t(kBlock);
    for (int l = 0; l < kBlock; l++) {
      const uint64_t al = uint32_t(l) < m ? a[p0 + l] : 0, bl = uint32_t(l) < m ? b[p0 + l] : 0;
      a0[l] = al & 0x7FFFFFFFu;
      a1[l] = al >> 31;
      bb[l] = bl;
      fa0[l] = al & 0xFFFFFFFFu;
      fa1[l] = al >> 32;
      fb0[l] = bl & 0xFFFFFFFFu;
      fb1[l] = bl >> 32;
    }
    // Blocks of fewer vectors for the last few permutations; the exact route when flagged.
    if (m > uint32_t(kBlock / 2)) {
      if (!minhash_block_fast<kMinhashPB>(hs.data(), count, fa0, fa1, fb0, fb1, out))
        minhash_block<kMinhashPB>(hs.data(), count, a0, a1, bb, out);
    } else if (m > uint32_t(kL64)) {
      if (!minhash_block_fast<(kMinhashPB + 1) / 2>(hs.data(), count, fa0, fa1, fb0, fb1, out))
        minhash_block<(kMinhashPB + 1) / 2>(hs.data(), count, a0, a1, bb, out);
    } else {
      if (!minhash_block_fast<1>(hs.data(), count, fa0, fa1, fb0, fb1, out)) minhash_block<1>(hs.data(), count, a0, a1, bb, out);
    }
    for (uint32_t l = 0; l < m; l++) sig[p0 + l] = uint32_t(out[l]);
  }
}

// ---------------------------------------------------------------------------------------------
// embed_accumulate, token_vectors: k(t, d) = fmix(seed ^ (t·2^32 + d)) >> 40, over d in lanes.
//
// For d < 2^30, with x0 = seed ^ (t·2^32) and y0 = x0 ^ (x0 >> 30), fmix's first step gives
// y = y0 ^ d, so y's high half is the token's alone: y·C1 = lo(y)·lo(C1) + 2^32·(lo(y)·hi(C1) +
// hi(y0)·lo(C1)), the last term one scalar per token. fmix's final z ^ (z >> 31) leaves bits 40
// and up alone, so k = (second product) >> 40.

constexpr uint64_t kC1 = 0xBF58476D1CE4E5B9ULL;
constexpr uint64_t kC2 = 0x94D049BB133111EBULL;
constexpr uint32_t kFastDims = 1u << 30;

struct TokenKey {
  u64v y0;  // y0 in every lane
  u64v hc;  // hi(y0)·lo(C1) in every lane
};
// The two scalars behind a TokenKey, kept per token (16 bytes) and broadcast where used.
struct ScalarKey {
  uint64_t y0, hc;
};
inline ScalarKey scalar_key(uint64_t seed, uint32_t t) {
  const uint64_t x0 = seed ^ (uint64_t(t) << 32);
  const uint64_t y0 = x0 ^ (x0 >> 30);
  return ScalarKey{y0, (y0 >> 32) * (kC1 & 0xFFFFFFFFu)};
}
inline TokenKey token_key(uint64_t seed, uint32_t t) {
  const uint64_t x0 = seed ^ (uint64_t(t) << 32);
  const uint64_t y0 = x0 ^ (x0 >> 30);
  return TokenKey{splat64(y0), splat64((y0 >> 32) * (kC1 & 0xFFFFFFFFu))};
}

// k for the lanes' d (each < 2^30).
inline u64v fmix_hi24(u64v d, const TokenKey& key) {
#if defined(__AVX512DQ__)
  u64v z = (key.y0 ^ d) * splat64(kC1);
  z ^= z >> 27;
  return (z * splat64(kC2)) >> 40;
#else
  const u64v ly = key.y0 ^ d;  // mul32 reads only its low half
  u64v z = mul32(ly, splat64(kC1)) + ((key.hc + mul32(ly, splat64(kC1 >> 32))) << 32);
  z ^= z >> 27;
  const u64v cross = mul32(z >> 32, splat64(kC2)) + mul32(z, splat64(kC2 >> 32));
  return (mul32(z, splat64(kC2)) + (cross << 32)) >> 40;
#endif
}

inline uint64_t k_scalar(uint64_t seed, uint32_t t, uint32_t d) {
  return fmix(seed ^ ((uint64_t(t) << 32) | d)) >> 40;
}

// acc[d0 + l] += Σ_i k(t_i, d0 + l) for l < valid (≤ DB·kL64).
template <int DB>
inline void embed_block(const ScalarKey* keys, size_t n, uint32_t d0, uint32_t valid, int64_t* acc) {
  u64v dv[DB], sum[DB];
  for (int v = 0; v < DB; v++) {
    dv[v] = iota64(uint64_t(d0) + uint64_t(v) * kL64);
    sum[v] = u64v{};
  }
  for (size_t i = 0; i < n; i++) {
    const TokenKey key{splat64(keys[i].y0), splat64(keys[i].hc)};
#pragma GCC unroll 8
    for (int v = 0; v < DB; v++) sum[v] += fmix_hi24(dv[v], key);
  }
  uint64_t s[DB * kL64];
  for (int v = 0; v < DB; v++) storev(s + v * kL64, sum[v]);
  for (uint32_t l = 0; l < valid; l++) acc[d0 + l] += int64_t(s[l]);
}

constexpr int kEmbedDB = 4;  // vectors of dims per block

inline void embed_accumulate(const uint32_t* t, size_t n, uint64_t seed, uint32_t dim, int64_t* acc) {
  if (n == 0) return;
  const uint32_t fast = dim < kFastDims ? dim : kFastDims;
  constexpr uint32_t kBlock = kEmbedDB * kL64;
  // Each token's key once, not once per block of dims.
  std::vector<ScalarKey> keys(n);
  for (size_t i = 0; i < n; i++) keys[i] = scalar_key(seed, t[i]);
  uint32_t d = 0;
  for (; d + kBlock <= fast; d += kBlock) embed_block<kEmbedDB>(keys.data(), n, d, kBlock, acc);
  for (; d < fast; d += kL64) embed_block<1>(keys.data(), n, d, fast - d < uint32_t(kL64) ? fast - d : kL64, acc);
  for (; d < dim; d++)  // only for dims past 2^30
    for (size_t i = 0; i < n; i++) acc[d] += int64_t(k_scalar(seed, t[i], d));
}

inline void token_vectors(const uint32_t* t, size_t n, uint64_t seed, uint32_t dim, float* x) {
  const uint32_t fast = dim < kFastDims ? dim : kFastDims;
  // g = k/2^23 − 1: k | 2^52's exponent is the double 2^52 + k, exactly.
  const u64v exp52 = splat64(0x4330000000000000ULL);
  const f64v bias = splatd(4503599627370496.0 + 8388608.0), inv23 = splatd(1.0 / 8388608.0);
  const u64v lanes = iota64(0);
  for (size_t i = 0; i < n; i++) {
    const TokenKey key = token_key(seed, t[i]);
    float* row = x + i * dim;
    u64v dv = lanes;
    for (uint32_t d = 0; d < fast; d += kL64, dv += kL64) {
      const u64v k = fmix_hi24(dv, key);
      const f32h f = __builtin_convertvector(((f64v)(k | exp52) - bias) * inv23, f32h);
      if (fast - d >= uint32_t(kL64)) {
        storev(row + d, f);
      } else {
        float tmp[kL64];
        storev(tmp, f);
        for (uint32_t l = 0; l < fast - d; l++) row[d + l] = tmp[l];
      }
    }
    for (uint32_t d = fast; d < dim; d++) row[d] = float(g(seed, t[i], d));
  }
}

// ---------------------------------------------------------------------------------------------
// matmul: y = x·w, vectorized over output columns, R rows × CB vectors of accumulators.

template <int R, int CB>
inline void matmul_tile(const float* x, const float* w, uint32_t dim, float* y, uint32_t c0) {
  f32v acc[R][CB];
  for (int r = 0; r < R; r++)
    for (int v = 0; v < CB; v++) acc[r][v] = f32v{};
  for (uint32_t k = 0; k < dim; k++) {
    const float* wr = w + size_t(k) * dim + c0;
    f32v wv[CB];
#pragma GCC unroll 8
    for (int v = 0; v < CB; v++) wv[v] = loadv<f32v>(wr + v * kL32);
#pragma GCC unroll 8
    for (int r = 0; r < R; r++) {
      const f32v xv = splatf(x[size_t(r) * dim + k]);
#pragma GCC unroll 8
      for (int v = 0; v < CB; v++) acc[r][v] = fmadd(xv, wv[v], acc[r][v]);
    }
  }
  for (int r = 0; r < R; r++)
    for (int v = 0; v < CB; v++) storev(y + size_t(r) * dim + c0 + v * kL32, acc[r][v]);
}

// All columns of R rows. Past the last whole vector, one vector ending at column dim overlaps
// columns already done and recomputes them identically.
template <int R, int CB>
inline void matmul_rows(const float* x, const float* w, uint32_t dim, float* y) {
  uint32_t c = 0;
  for (; c + CB * kL32 <= dim; c += CB * kL32) matmul_tile<R, CB>(x, w, dim, y, c);
  for (; c + kL32 <= dim; c += kL32) matmul_tile<R, 1>(x, w, dim, y, c);
  if (c < dim) matmul_tile<R, 1>(x, w, dim, y, dim - kL32);
}

#if NS_VB == 64
constexpr int kMatmulR = 4, kMatmulCB = 4;
#else
constexpr int kMatmulR = 4, kMatmulCB = 2;
#endif

inline void matmul(const float* x, size_t n, const float* w, uint32_t dim, float* y) {
  if (dim < uint32_t(kL32)) {  // narrower than one register
    for (size_t i = 0; i < n; i++)
      for (uint32_t c = 0; c < dim; c++) {
        float s = 0;
        for (uint32_t r = 0; r < dim; r++) s = fmadd1(x[i * dim + r], w[size_t(r) * dim + c], s);
        y[i * dim + c] = s;
      }
    return;
  }
  size_t i = 0;
  for (; i + kMatmulR <= n; i += kMatmulR) matmul_rows<kMatmulR, kMatmulCB>(x + i * dim, w, dim, y + i * dim);
  for (; i < n; i++) matmul_rows<1, kMatmulCB>(x + i * dim, w, dim, y + i * dim);
}

// ---------------------------------------------------------------------------------------------
// attention_rows
//
// Query rows go R at a time: for each block of KC keys, R·KC = kL32 dot products accumulate over
// d in one register each and are reduced to one vector of scores. Many rows per pass over the
// keys keeps the keys' traffic from L2 low (each key row is read once per R query rows). The
// scores go to a padded buffer per row, then each row's softmax is added to the weights.

// Scores of query rows i … i+R−1 against keys 0 … cnt−1 (cnt = i + R), into buf + r·bs; rowmax[r]
// gets the max of row r's scores over keys j ≤ i + r. qp holds the R rows packed by vector:
// qp[(d/L·R + r)·L + l] = q_{i+r}[d + l] (L = kL32), so the inner loop reads them at fixed offsets
// from one pointer. Keys past cnt − 1 in the last block read key cnt − 1 instead; scores past a
// row's own i are written but not part of its max. U > 1 keeps U sets of accumulators (more
// independent chains where there is no FMA).
template <int R, int KC, int U>
inline void attention_tile(const float* qp, const float* k, size_t ks, uint32_t dp, size_t i, float scale, float* buf,
                           size_t bs, float* rowmax) {
  static_assert(R * KC == kL32, "one accumulator per lane");
  const size_t cnt = i + R;
  const f32v sc = splatf(scale), ninf = splatf(-INFINITY);
  // Lane m = r·KC + c holds row i + r against key j0 + c: valid while j0 + c ≤ i + r.
  int32_t off[kL32];
  for (int m = 0; m < kL32; m++) off[m] = m % KC - m / KC;
  const i32v lane_off = loadv<i32v>(off);
  const uint32_t steps = dp / kL32;
  f32v mx = ninf;
  for (size_t j0 = 0; j0 < cnt; j0 += KC) {
    const float* kr[KC];
    for (int c = 0; c < KC; c++) kr[c] = k + (j0 + c < cnt ? j0 + c : cnt - 1) * ks;
    f32v acc[U][kL32];
    for (int u = 0; u < U; u++)
      for (int m = 0; m < kL32; m++) acc[u][m] = f32v{};
    const float* qv = qp;
    uint32_t st = 0;
    for (; st + U <= steps; st += U) {
#pragma GCC unroll 2
      for (int u = 0; u < U; u++) {
        f32v kv[KC];
#pragma GCC unroll 16
        for (int c = 0; c < KC; c++) kv[c] = loadv<f32v>(kr[c] + (st + u) * kL32);
#pragma GCC unroll 16
        for (int r = 0; r < R; r++) {
          const f32v x = loadv<f32v>(qv + (u * R + r) * kL32);
#pragma GCC unroll 16
          for (int c = 0; c < KC; c++) acc[u][r * KC + c] = fmadd(x, kv[c], acc[u][r * KC + c]);
        }
      }
      qv += U * R * kL32;
    }
    if (U > 1) {
      for (; st < steps; st++, qv += R * kL32) {
        f32v kv[KC];
        for (int c = 0; c < KC; c++) kv[c] = loadv<f32v>(kr[c] + st * kL32);
        for (int r = 0; r < R; r++) {
          const f32v x = loadv<f32v>(qv + r * kL32);
          for (int c = 0; c < KC; c++) acc[0][r * KC + c] = fmadd(x, kv[c], acc[0][r * KC + c]);
        }
      }
      for (int u = 1; u < U; u++)
        for (int m = 0; m < kL32; m++) acc[0][m] += acc[u][m];
    }
    const f32v s = reduce_lanes(acc[0]) * sc;
    if (j0 + KC <= i + 1) {
      mx = vmax(mx, s);
    } else {
      mx = vmax(mx, lane_off <= int32_t(int64_t(i) - int64_t(j0)) ? s : ninf);  // i − j0 > −KC
    }
    float sa[kL32];
    storev(sa, s);
    for (int r = 0; r < R; r++) std::memcpy(buf + r * bs + j0, sa + r * KC, KC * sizeof(float));
  }
  float ma[kL32];
  storev(ma, mx);
  for (int r = 0; r < R; r++) {
    float m = ma[r * KC];
    for (int c = 1; c < KC; c++) m = ma[r * KC + c] > m ? ma[r * KC + c] : m;
    rowmax[r] = m;
  }
}

// qp ← rows q, q + qs, … (R of them, dim floats each) packed for attention_tile, zero-padded to dp.
template <int R>
inline void pack_rows(const float* q, size_t qs, uint32_t dim, uint32_t dp, float* qp) {
  for (uint32_t st = 0; st < dp / kL32; st++)
    for (int r = 0; r < R; r++) {
      float* o = qp + (size_t(st) * R + r) * kL32;
      const uint32_t d0 = st * kL32;
      if (d0 + kL32 <= dim) {
        std::memcpy(o, q + r * qs + d0, kL32 * sizeof(float));
      } else {
        for (uint32_t l = 0; l < uint32_t(kL32); l++) o[l] = d0 + l < dim ? q[r * qs + d0 + l] : 0.0f;
      }
    }
}

// w[j] += exp(s[j] − mx) / Σ_j exp(s[j] − mx) for j < len, mx the max of s[0 … len−1]. s has room
// for len rounded up to whole vectors and is overwritten with the exps.
inline void softmax_accumulate(float* s, size_t len, float mx, double* w) {
  const size_t whole = len / kL32 * kL32;
  const int tail = int(len - whole);
  const f32v m = splatf(mx);
  f64v sum0{}, sum1{}, sum2{}, sum3{};
  size_t j = 0;
  for (; j + 2 * kL32 <= whole; j += 2 * kL32) {  // two independent exp chains a step
    const f32v e0 = exp_nonpos(loadv<f32v>(s + j) - m);
    const f32v e1 = exp_nonpos(loadv<f32v>(s + j + kL32) - m);
    storev(s + j, e0);
    storev(s + j + kL32, e1);
    sum0 += widen_lo(e0);
    sum1 += widen_hi(e0);
    sum2 += widen_lo(e1);
    sum3 += widen_hi(e1);
  }
  sum0 += sum2;
  sum1 += sum3;
  for (; j < whole; j += kL32) {
    const f32v e = exp_nonpos(loadv<f32v>(s + j) - m);
    storev(s + j, e);
    sum0 += widen_lo(e);
    sum1 += widen_hi(e);
  }
  if (tail) {
    f32v e = exp_nonpos(loadv<f32v>(s + j) - m);
    e = iota32() < tail ? e : f32v{};
    storev(s + j, e);
    sum0 += widen_lo(e);
    sum1 += widen_hi(e);
  }
  const double inv = 1.0 / hsum(sum0 + sum1);
  const f64v iv = splatd(inv);
  for (j = 0; j < whole; j += kL32) {
    const f32v e = loadv<f32v>(s + j);
    storev(w + j, fmadd(widen_lo(e), iv, loadv<f64v>(w + j)));
    storev(w + j + kL64, fmadd(widen_hi(e), iv, loadv<f64v>(w + j + kL64)));
  }
  for (; j < len; j++) w[j] += double(s[j]) * inv;
}

#if NS_VB == 64
constexpr int kAttnR = 8, kAttnU = 1;  // 8 rows × 2 keys
#elif NS_VB == 32
constexpr int kAttnR = 8, kAttnU = 1;  // 8 rows × 1 key
#else
constexpr int kAttnR = 4, kAttnU = 2;  // 4 rows × 1 key, two accumulator sets
#endif

// row[cnt … cnt rounded up to a whole vector) = 0.
inline void clear_pad(float* row, size_t cnt) {
  for (size_t j = cnt; j % kL32 != 0; j++) row[j] = 0.0f;
}

inline void attention_rows(const float* q, const float* k, size_t n, uint32_t dim, float scale, size_t i0, size_t i1,
                           double* w, float* scratch) {
  (void)scratch;  // several rows' scores at once live in `buf` below, padded to whole vectors
  if (i1 > n) i1 = n;
  if (i0 >= i1) return;
  // When dim is not a multiple of the width, the keys are copied with zero padding.
  const uint32_t dp = (dim + kL32 - 1) / kL32 * kL32;
  const float* kb = k;
  std::vector<float> kpad;
  if (dp != dim) {
    kpad.assign(i1 * size_t(dp), 0.0f);
    for (size_t j = 0; j < i1; j++) std::memcpy(&kpad[j * dp], k + j * dim, dim * sizeof(float));
    kb = kpad.data();
  }
  // Row buffers (kAttnR of bs floats): scores for keys up to i + R − 1, then zeros to the next
  // whole vector (softmax_accumulate reads it, masked); then the packed query rows. Kept per
  // thread across calls: callers go a few rows at a time, and a fresh allocation of this size
  // each call costs page faults. 64-byte aligned: the tile's loads of the packed rows split
  // cache lines otherwise (a 25% slowdown with malloc's 16-byte alignment).
  size_t bs = (i1 + 15) / 16 * 16 + 16;  // whole 64-byte lines, ≥ one vector of padding
  if (bs % 1024 == 0) bs += 16;             // rows not a multiple of 4 KiB apart (store aliasing)
  const size_t need = kAttnR * bs + size_t(kAttnR) * dp + 16;
  thread_local std::vector<float> work;
  if (work.size() < need) work.resize(need);
  float* buf = work.data() + (16 - reinterpret_cast<uintptr_t>(work.data()) / sizeof(float) % 16) % 16;
  float* qp = buf + kAttnR * bs;
  float mx[kAttnR];
  size_t i = i0;
  for (; i + kAttnR <= i1; i += kAttnR) {
    pack_rows<kAttnR>(q + i * dim, dim, dim, dp, qp);
    attention_tile<kAttnR, kL32 / kAttnR, kAttnU>(qp, kb, dp, dp, i, scale, buf, bs, mx);
    for (int r = 0; r < kAttnR; r++) {
      clear_pad(buf + r * bs, i + kAttnR);
      softmax_accumulate(buf + r * bs, i + r + 1, mx[r], w);
    }
  }
  for (; i < i1; i++) {
    pack_rows<1>(q + i * dim, dim, dim, dp, qp);
    attention_tile<1, kL32, kAttnU>(qp, kb, dp, dp, i, scale, buf, bs, mx);
    clear_pad(buf, i + 1);
    softmax_accumulate(buf, i + 1, mx[0], w);
  }
}

// ---------------------------------------------------------------------------------------------
// Probes

inline double fma_probe(uint64_t iterations) {
  constexpr int kChains = 12;
  f32v acc[kChains];
  for (int c = 0; c < kChains; c++) acc[c] = splatf(1.0f + 0.01f * float(c));
  const f32v m = splatf(0.999999f), a = splatf(1e-6f);
  for (uint64_t it = 0; it < iterations; it++) {
#pragma GCC unroll 12
    for (int c = 0; c < kChains; c++) acc[c] = fmadd(acc[c], m, a);
  }
  f32v s = acc[0];
  for (int c = 1; c < kChains; c++) s += acc[c];
  volatile float sink = hmax(s);
  (void)sink;
  return 2.0 * kL32 * kChains * double(iterations);
}

// The wrapping sum of the buffer's 64-bit words (native byte order; the last one zero-padded):
// the same for every instruction set.
inline uint64_t read_probe(const uint8_t* p, size_t bytes) {
  u64v s0{}, s1{}, s2{}, s3{};
  size_t i = 0;
  for (; i + 4 * NS_VB <= bytes; i += 4 * NS_VB) {
    s0 += loadv<u64v>(p + i);
    s1 += loadv<u64v>(p + i + NS_VB);
    s2 += loadv<u64v>(p + i + 2 * NS_VB);
    s3 += loadv<u64v>(p + i + 3 * NS_VB);
  }
  for (; i + NS_VB <= bytes; i += NS_VB) s0 += loadv<u64v>(p + i);
  uint64_t lanes[kL64];
  storev(lanes, (s0 + s1) + (s2 + s3));
  uint64_t r = 0;
  for (int l = 0; l < kL64; l++) r += lanes[l];
  for (; i + 8 <= bytes; i += 8) {
    uint64_t v;
    std::memcpy(&v, p + i, 8);
    r += v;
  }
  if (i < bytes) {
    uint64_t v = 0;
    std::memcpy(&v, p + i, bytes - i);
    r += v;
  }
  return r;
}

inline const CpuKernels& table() {
  static const CpuKernels k{NS_ISA_NAME, minhash, embed_accumulate, token_vectors, matmul, attention_rows, fma_probe, read_probe};
  return k;
}

}  // namespace NS_ISA_NAMESPACE
}  // namespace ns

#undef NS_EVEN4
#undef NS_ODD4
#undef NS_EVENB
#undef NS_ODDB
#undef NS_HW_FMA
#undef NS_VB
