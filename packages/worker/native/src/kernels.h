// The CPU kernels of one instruction set. kernels_impl.h defines them once;
// kernels_avx512.cc, kernels_avx2.cc and kernels_portable.cc compile that
// one source three times with different -m flags, and cpu_dispatch.cc picks
// the best table this CPU can run. The definitions are DESIGN.md's.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ns {

struct CpuKernels {
  const char* isa;  // "avx512", "avx2" or "portable"

  // sig[j] = min over shingles of ((a[j]·h + b[j]) mod P) mod 2^32, j < num_perm;
  // n == 0 gives 0xFFFFFFFF everywhere. a[j] < P, b[j] < P (see hashing.h).
  void (*minhash)(const uint32_t* tokens, size_t n, uint32_t shingle, const uint64_t* a, const uint64_t* b,
                  uint32_t num_perm, uint32_t* sig);

  // acc[d] += Σ_i (fmix(seed ^ (t_i·2^32 + d)) >> 40) for d < dim: the exact integer sum
  // behind embed, since g = k/2^23 − 1 with k that 24-bit value.
  void (*embed_accumulate)(const uint32_t* tokens, size_t n, uint64_t seed, uint32_t dim, int64_t* acc);

  // x[i·dim + d] = g(seed, tokens[i], d) as float (exact: g has 24 significant bits).
  void (*token_vectors)(const uint32_t* tokens, size_t n, uint64_t seed, uint32_t dim, float* x);

  // y[i·dim + c] = Σ_r x[i·dim + r] · w[r·dim + c] for i < n: rows times a dim × dim matrix.
  void (*matmul)(const float* x, size_t n, const float* w, uint32_t dim, float* y);

  // For query rows i in [i0, i1) of a causal head: p_ij = softmax over j ≤ i of scale·(q_i · k_j);
  // weights[j] += p_ij. q and k are n × dim row-major. scratch holds at least n floats.
  void (*attention_rows)(const float* q, const float* k, size_t n, uint32_t dim, float scale, size_t i0, size_t i1,
                         double* weights, float* scratch);

  // Benchmark probes. fma_probe runs independent FMA chains for `iterations` rounds and returns
  // the floating-point operations done (2 per FMA lane); read_probe reads `bytes` with vector
  // loads and returns a checksum so the reads cannot be optimized away.
  double (*fma_probe)(uint64_t iterations);
  uint64_t (*read_probe)(const uint8_t* data, size_t bytes);
};

const CpuKernels& kernels_portable();
#if defined(__x86_64__) || defined(_M_X64)
const CpuKernels& kernels_avx2();
const CpuKernels& kernels_avx512();
#endif

}  // namespace ns
