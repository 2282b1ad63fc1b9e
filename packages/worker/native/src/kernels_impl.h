// PLACEHOLDER: scalar kernels; the SIMD version replaces this file.
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>
#include "hashing.h"
#include "kernels.h"

namespace ns {
namespace NS_ISA_NAMESPACE {

inline void minhash(const uint32_t* t, size_t n, uint32_t shingle, const uint64_t* a, const uint64_t* b, uint32_t num_perm, uint32_t* sig) {
  for (uint32_t j = 0; j < num_perm; j++) sig[j] = 0xFFFFFFFFu;
  if (n == 0) return;
  const size_t count = n >= shingle ? n - shingle + 1 : 1;
  const uint32_t len = n >= shingle ? shingle : uint32_t(n);
  for (size_t i = 0; i < count; i++) {
    const uint32_t h = shingle_hash(t + i, len);
    for (uint32_t j = 0; j < num_perm; j++) sig[j] = std::min(sig[j], permute(a[j], b[j], h));
  }
}

inline void embed_accumulate(const uint32_t* t, size_t n, uint64_t seed, uint32_t dim, int64_t* acc) {
  for (size_t i = 0; i < n; i++)
    for (uint32_t d = 0; d < dim; d++) acc[d] += int64_t(fmix(seed ^ ((uint64_t(t[i]) << 32) | d)) >> 40);
}

inline void token_vectors(const uint32_t* t, size_t n, uint64_t seed, uint32_t dim, float* x) {
  for (size_t i = 0; i < n; i++)
    for (uint32_t d = 0; d < dim; d++) x[i * dim + d] = float(g(seed, t[i], d));
}

inline void matmul(const float* x, size_t n, const float* w, uint32_t dim, float* y) {
  for (size_t i = 0; i < n; i++)
    for (uint32_t c = 0; c < dim; c++) {
      float s = 0;
      for (uint32_t r = 0; r < dim; r++) s += x[i * dim + r] * w[r * dim + c];
      y[i * dim + c] = s;
    }
}

inline void attention_rows(const float* q, const float* k, size_t n, uint32_t dim, float scale, size_t i0, size_t i1, double* w, float* scratch) {
  for (size_t i = i0; i < i1; i++) {
    float mx = -INFINITY;
    for (size_t j = 0; j <= i; j++) {
      float s = 0;
      for (uint32_t d = 0; d < dim; d++) s += q[i * dim + d] * k[j * dim + d];
      scratch[j] = s * scale;
      mx = std::max(mx, scratch[j]);
    }
    double sum = 0;
    for (size_t j = 0; j <= i; j++) sum += (scratch[j] = std::exp(scratch[j] - mx));
    const double inv = 1.0 / sum;
    for (size_t j = 0; j <= i; j++) w[j] += scratch[j] * inv;
  }
}

inline double fma_probe(uint64_t iterations) {
  float a = 1.0f, b = 0.999f, c = 0.001f;
  for (uint64_t i = 0; i < iterations; i++) a = a * b + c;
  volatile float sink = a;
  (void)sink;
  return 2.0 * double(iterations);
}

inline uint64_t read_probe(const uint8_t* p, size_t bytes) {
  uint64_t s = 0;
  for (size_t i = 0; i + 8 <= bytes; i += 8) s += *reinterpret_cast<const uint64_t*>(p + i);
  return s;
}

inline const CpuKernels& table() {
  static const CpuKernels k{NS_ISA_NAME, minhash, embed_accumulate, token_vectors, matmul, attention_rows, fma_probe, read_probe};
  return k;
}

}  // namespace NS_ISA_NAMESPACE
}  // namespace ns
