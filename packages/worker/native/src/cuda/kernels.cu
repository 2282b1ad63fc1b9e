// Device kernels of the CUDA path: minhash, embed and attention over a whole ragged
// batch, one launch sequence per batch. The definitions are DESIGN.md's (hashing.h,
// kernels.h); sizes, offsets and launch shapes come from the BatchPlan (kernels.cuh,
// computed by launch_plan.cc).
//
// Ragged batches: every kernel that works on parts of jobs runs one block per work item
// c (blockIdx.x) and finds its job by binary search in chunk_start (see BatchPlan).
// Long jobs are thus spread over many blocks; their partial results meet through
// order-independent atomics (atomicMin for minhash, integer atomicAdd for embed) or
// through a second kernel (attention).
//
// Only dynamic shared memory is used (sized by the plan), and every launch goes through
// cudaLaunchKernel.
#include <cuda_runtime.h>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include "cuda/kernels.cuh"

namespace ns::cuda {

// hashing.h's constants (that header's functions are host-only).
constexpr uint64_t kMersenne = (1ULL << 61) - 1;
constexpr uint64_t kFnvOffsetBasis = 0xCBF29CE484222325ULL;
constexpr uint64_t kFnvMul = 0x100000001B3ULL;

static_assert(kThreads == kTileLanes * kTileLanes, "a score tile's threads are 16 × 16");
static_assert(kTile == 4 * kTileLanes, "each thread owns 4 × 4 entries of a score tile");
static_assert(kThreads * 4 == kTile * kTileK, "a tile step loads 4 elements per thread");
static_assert(kTileK == 16, "tile loads index with & 15 and >> 4");
static_assert(kThreads >= kTile, "one thread per row or column finishes a tile");

extern __shared__ double ns_shared[];  // dynamic shared memory; double gives 8-byte alignment

// ---------------------------------------------------------------------------------------
// Scalar definitions (hashing.h), usable on both sides.

__host__ __device__ __forceinline__ uint64_t fmix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// k(seed, t, d) = fmix(seed ^ (t·2^32 + d)) >> 40, the 24-bit integer behind g.
__host__ __device__ __forceinline__ uint32_t g_key(uint64_t seed, uint32_t t, uint32_t d) {
  return uint32_t(fmix64(seed ^ ((uint64_t(t) << 32) | d)) >> 40);
}

// g(seed, t, d) = k/2^23 − 1, exact in float (an integer in [−2^23, 2^23) times 2^−23).
__host__ __device__ __forceinline__ float g_float(uint64_t seed, uint32_t t, uint32_t d) {
  return float(int32_t(g_key(seed, t, d)) - 8388608) * (1.0f / 8388608.0f);
}

// ((a·h + b) mod P) mod 2^32 for a, b < P = 2^61 − 1, h < 2^32, exactly: a·h is split
// into 32-bit products and folded with 2^61 ≡ 1 (mod P).
__host__ __device__ __forceinline__ uint32_t permute32(uint64_t a, uint64_t b, uint32_t h) {
  const uint64_t p0 = (a & 0xFFFFFFFFULL) * h;  // < 2^64
  const uint64_t p1 = (a >> 32) * h;            // < 2^61; a·h = p1·2^32 + p0
  // p1·2^32 = (p1 >> 29)·2^61 + (p1 mod 2^29)·2^32 ≡ (p1 >> 29) + (p1 mod 2^29)·2^32
  uint64_t s = (p1 >> 29) + ((p1 & 0x1FFFFFFFULL) << 32) + (p0 >> 61) + (p0 & kMersenne) + b;  // < 2^63
  s = (s >> 61) + (s & kMersenne);  // ≤ P + 3
  if (s >= kMersenne) s -= kMersenne;
  return uint32_t(s);
}

// FNV-1a-64 over the tokens' little-endian bytes, folded to 32 bits (shingle_hash).
__host__ __device__ __forceinline__ uint32_t fnv_shingle(const uint32_t* t, uint32_t len) {
  uint64_t h = kFnvOffsetBasis;
  for (uint32_t i = 0; i < len; i++) {
    const uint32_t x = t[i];
    h = (h ^ (x & 0xFF)) * kFnvMul;
    h = (h ^ ((x >> 8) & 0xFF)) * kFnvMul;
    h = (h ^ ((x >> 16) & 0xFF)) * kFnvMul;
    h = (h ^ (x >> 24)) * kFnvMul;
  }
  return uint32_t(h ^ (h >> 32));
}

__host__ __device__ __forceinline__ uint32_t umin32(uint32_t a, uint32_t b) { return a < b ? a : b; }

// The job j with chunk_start[j] ≤ c < chunk_start[j + 1] (c < chunk_start[num_jobs]).
__device__ __forceinline__ uint32_t find_job(const uint32_t* chunk_start, uint32_t num_jobs, uint32_t c) {
  uint32_t lo = 0, hi = num_jobs;
  while (hi - lo > 1) {
    const uint32_t mid = (lo + hi) / 2;
    if (chunk_start[mid] <= c) lo = mid;
    else hi = mid;
  }
  return lo;
}

// ---------------------------------------------------------------------------------------
// minhash: one block per chunk of kMinhashChunk shingles of one job. The chunk's tokens
// and shingle hashes go to shared memory; then perm_lanes threads share the permutations
// and kThreads / perm_lanes groups share the hashes. out must hold 0xFFFFFFFF beforehand.

__global__ void __launch_bounds__(kThreads)
minhash_kernel(const uint32_t* __restrict__ tokens, const uint32_t* __restrict__ offsets,
               const uint32_t* __restrict__ chunk_start, uint32_t num_jobs, const uint64_t* __restrict__ a,
               const uint64_t* __restrict__ b, uint32_t num_perm, uint32_t shingle, uint32_t perm_lanes,
               uint32_t* __restrict__ out) {
  const uint32_t c = blockIdx.x;
  if (c >= chunk_start[num_jobs]) return;  // the plan's spare block of a batch without work
  const uint32_t job = find_job(chunk_start, num_jobs, c);
  const uint32_t begin = offsets[job];
  const uint32_t n = offsets[job + 1] - begin;  // > 0: the job has a chunk
  const uint32_t len = n >= shingle ? shingle : n;
  const uint32_t count = n >= shingle ? n - shingle + 1 : 1;
  const uint32_t first = (c - chunk_start[job]) * kMinhashChunk;
  const uint32_t m = umin32(kMinhashChunk, count - first);  // shingles of this block

  uint32_t* s_tok = reinterpret_cast<uint32_t*>(ns_shared);  // kMinhashChunk + shingle − 1
  uint32_t* s_hash = s_tok + kMinhashChunk + shingle - 1;    // kMinhashChunk
  const uint32_t ntok = m + len - 1;
  for (uint32_t i = threadIdx.x; i < ntok; i += blockDim.x) s_tok[i] = tokens[begin + first + i];
  __syncthreads();
  for (uint32_t s = threadIdx.x; s < m; s += blockDim.x) s_hash[s] = fnv_shingle(s_tok + s, len);
  __syncthreads();

  const uint32_t lane = threadIdx.x & (perm_lanes - 1);
  const uint32_t group = threadIdx.x / perm_lanes;
  const uint32_t groups = blockDim.x / perm_lanes;
  if (group >= m) return;  // no hash for this group (no barrier follows)
  uint32_t* sig = out + size_t(job) * num_perm;
  for (uint32_t j = lane; j < num_perm; j += perm_lanes) {
    const uint64_t aj = a[j], bj = b[j];
    uint32_t best = 0xFFFFFFFFu;
    for (uint32_t s = group; s < m; s += groups) best = umin32(best, permute32(aj, bj, s_hash[s]));
    atomicMin(sig + j, best);
  }
}

// ---------------------------------------------------------------------------------------
// embed: blocks over (chunk of kEmbedChunk tokens, dim_tile dims). Thread (lane, dd) sums
// k(seed, t_i, d) over the chunk's tokens i ≡ lane; the lanes' sums meet in shared memory
// and one integer atomicAdd per (block, d) adds them to acc[job][d], so the total is exact
// and independent of order. acc must be zero beforehand.

__global__ void __launch_bounds__(kThreads)
embed_accumulate_kernel(const uint32_t* __restrict__ tokens, const uint32_t* __restrict__ offsets,
                        const uint32_t* __restrict__ chunk_start, uint32_t num_jobs, uint64_t seed, uint32_t dim,
                        uint32_t dim_tile, unsigned long long* __restrict__ acc) {
  const uint32_t c = blockIdx.x;
  if (c >= chunk_start[num_jobs]) return;  // the plan's spare block of a batch without work
  const uint32_t job = find_job(chunk_start, num_jobs, c);
  const uint32_t begin = offsets[job];
  const uint32_t n = offsets[job + 1] - begin;
  const uint32_t first = (c - chunk_start[job]) * kEmbedChunk;
  const uint32_t m = umin32(kEmbedChunk, n - first);

  unsigned long long* s_sum = reinterpret_cast<unsigned long long*>(ns_shared);  // kThreads
  uint32_t* s_tok = reinterpret_cast<uint32_t*>(s_sum + kThreads);              // kEmbedChunk
  for (uint32_t i = threadIdx.x; i < m; i += blockDim.x) s_tok[i] = tokens[begin + first + i];
  __syncthreads();

  const uint32_t dd = threadIdx.x & (dim_tile - 1);
  const uint32_t lane = threadIdx.x / dim_tile;
  const uint32_t lanes = blockDim.x / dim_tile;
  const uint32_t d = blockIdx.y * dim_tile + dd;
  unsigned long long sum = 0;
  if (d < dim)
    for (uint32_t i = lane; i < m; i += lanes) sum += g_key(seed, s_tok[i], d);
  s_sum[threadIdx.x] = sum;
  __syncthreads();
  if (lane == 0 && d < dim) {
    for (uint32_t l = 1; l < lanes; l++) sum += s_sum[l * dim_tile + dd];
    atomicAdd(acc + size_t(job) * dim + d, sum);
  }
}

// Tree sum of one double per thread (blockDim.x == kThreads, a power of two); all threads
// get the total. Reads and writes s[0 … kThreads).
__device__ __forceinline__ double block_sum(double v, double* s) {
  s[threadIdx.x] = v;
  __syncthreads();
  for (uint32_t w = kThreads / 2; w > 0; w /= 2) {
    if (threadIdx.x < w) s[threadIdx.x] += s[threadIdx.x + w];
    __syncthreads();
  }
  const double total = s[0];
  __syncthreads();
  return total;
}

// embed: one block per job. e_d = S_d/(n·2^23) − 1, result e/‖e‖ in double (zeros when
// n = 0 or ‖e‖ = 0).
__global__ void __launch_bounds__(kThreads)
embed_normalize_kernel(const uint32_t* __restrict__ offsets, uint32_t dim, const unsigned long long* __restrict__ acc,
                       float* __restrict__ out) {
  const uint32_t job = blockIdx.x;
  const uint32_t n = offsets[job + 1] - offsets[job];
  const unsigned long long* s = acc + size_t(job) * dim;
  float* e = out + size_t(job) * dim;
  const double denom = double(n) * 8388608.0;
  double sq = 0;
  if (n > 0)
    for (uint32_t d = threadIdx.x; d < dim; d += blockDim.x) {
      const double x = double(s[d]) / denom - 1.0;
      sq += x * x;
    }
  sq = block_sum(sq, ns_shared);
  const double inv = sq > 0 ? 1.0 / sqrt(sq) : 0.0;
  for (uint32_t d = threadIdx.x; d < dim; d += blockDim.x)
    e[d] = sq > 0 ? float((double(s[d]) / denom - 1.0) * inv) : 0.0f;
}

// ---------------------------------------------------------------------------------------
// attention. With x_i = v(t_i) and G_m[r][c] = g(seed, 2^32−1−(m·D+r), c) (so W_m = G_m/√D):
//   q_i·k_j/√D = (x_i G1)·(x_j G2) / (D·√D), scores computed in float;
//   result = (1/n) Σ_j w_j v_j = (1/n) (Σ_j w_j x_j) G3 / √D, with w_j = Σ_{i≥j} p_ij,
// so only x·G1 and x·G2 are stored (per token of the batch); the value side is one
// D-vector y = Σ_j w_j x_j per job, summed in double.

// G[m−1][r][c] for m = 1, 2, 3.
__global__ void __launch_bounds__(kThreads) attn_weights_kernel(uint64_t seed, uint32_t dim, float* __restrict__ G) {
  const size_t dd = size_t(dim) * dim;
  const size_t total = 3 * dd;
  for (size_t e = size_t(blockIdx.x) * blockDim.x + threadIdx.x; e < total; e += size_t(gridDim.x) * blockDim.x) {
    const uint32_t m = uint32_t(e / dd) + 1;
    const size_t rem = e % dd;
    const uint32_t r = uint32_t(rem / dim), c = uint32_t(rem % dim);
    G[e] = g_float(seed, 0xFFFFFFFFu - (m * dim + r), c);
  }
}

// q = x·G1, k = x·G2 for a kTile × kTile tile of (batch token, column): x is generated on
// the fly, G1 and G2 come from global memory in kTileK-deep steps. Sums run over r in
// ascending order with fmaf.
__global__ void __launch_bounds__(kThreads)
attn_project_kernel(const uint32_t* __restrict__ tokens, uint32_t num_tokens, uint64_t seed, uint32_t dim,
                    const float* __restrict__ G, float* __restrict__ q, float* __restrict__ k) {
  float* s_x = reinterpret_cast<float*>(ns_shared);  // [kTileK][kTile]
  float* s_g1 = s_x + kTileK * kTile;                 // [kTileK][kTile]
  float* s_g2 = s_g1 + kTileK * kTile;                // [kTileK][kTile]
  const float* G1 = G;
  const float* G2 = G + size_t(dim) * dim;
  const uint32_t row0 = blockIdx.x * kTile, col0 = blockIdx.y * kTile;
  const uint32_t tx = threadIdx.x % kTileLanes, ty = threadIdx.x / kTileLanes;

  // This thread fills column `i` (a row of x, a column of G) of the staged tiles, depths
  // kk = threadIdx.x / kTile + 4u.
  const uint32_t i = threadIdx.x % kTile;
  const uint32_t kk0 = threadIdx.x / kTile;
  const bool row_ok = row0 + i < num_tokens;
  const uint32_t tok = row_ok ? tokens[row0 + i] : 0;
  const bool col_ok = col0 + i < dim;

  float acc1[4][4] = {}, acc2[4][4] = {};
  for (uint32_t r0 = 0; r0 < dim; r0 += kTileK) {
#pragma unroll
    for (uint32_t u = 0; u < 4; u++) {
      const uint32_t kk = kk0 + 4 * u;
      const uint32_t r = r0 + kk;
      const bool r_ok = r < dim;
      s_x[kk * kTile + i] = row_ok && r_ok ? g_float(seed, tok, r) : 0.0f;
      s_g1[kk * kTile + i] = col_ok && r_ok ? G1[size_t(r) * dim + col0 + i] : 0.0f;
      s_g2[kk * kTile + i] = col_ok && r_ok ? G2[size_t(r) * dim + col0 + i] : 0.0f;
    }
    __syncthreads();
#pragma unroll
    for (uint32_t kk = 0; kk < kTileK; kk++) {
      float xa[4], b1[4], b2[4];
#pragma unroll
      for (uint32_t u = 0; u < 4; u++) {
        xa[u] = s_x[kk * kTile + ty + kTileLanes * u];
        b1[u] = s_g1[kk * kTile + tx + kTileLanes * u];
        b2[u] = s_g2[kk * kTile + tx + kTileLanes * u];
      }
#pragma unroll
      for (uint32_t ii = 0; ii < 4; ii++)
#pragma unroll
        for (uint32_t jj = 0; jj < 4; jj++) {
          acc1[ii][jj] = fmaf(xa[ii], b1[jj], acc1[ii][jj]);
          acc2[ii][jj] = fmaf(xa[ii], b2[jj], acc2[ii][jj]);
        }
    }
    __syncthreads();
  }
#pragma unroll
  for (uint32_t ii = 0; ii < 4; ii++) {
    const uint32_t row = row0 + ty + kTileLanes * ii;
    if (row >= num_tokens) continue;
#pragma unroll
    for (uint32_t jj = 0; jj < 4; jj++) {
      const uint32_t col = col0 + tx + kTileLanes * jj;
      if (col < dim) {
        q[size_t(row) * dim + col] = acc1[ii][jj];
        k[size_t(row) * dim + col] = acc2[ii][jj];
      }
    }
  }
}

// acc[ii][jj] = q_row · k_col for row = ty + 16·ii of the `rows` rows from batch token
// qrow0 and col = tx + 16·jj of the `cols` rows from batch token krow0 (others read as 0).
// Both score kernels call this, so a score comes out bit-identical in both.
__device__ __forceinline__ void score_tile(const float* __restrict__ q, const float* __restrict__ k, uint32_t dim,
                                           uint32_t qrow0, uint32_t rows, uint32_t krow0, uint32_t cols,
                                           float* s_q, float* s_k, float acc[4][4]) {
  const uint32_t tx = threadIdx.x % kTileLanes, ty = threadIdx.x / kTileLanes;
  const uint32_t dd = threadIdx.x & 15, i0 = threadIdx.x >> 4;  // loader: depth dd of rows i0 + 16u
#pragma unroll
  for (uint32_t ii = 0; ii < 4; ii++)
#pragma unroll
    for (uint32_t jj = 0; jj < 4; jj++) acc[ii][jj] = 0.0f;
  for (uint32_t d0 = 0; d0 < dim; d0 += kTileK) {
    const bool d_ok = d0 + dd < dim;
#pragma unroll
    for (uint32_t u = 0; u < 4; u++) {
      const uint32_t i = i0 + 16 * u;
      s_q[dd * kTilePitch + i] = d_ok && i < rows ? q[size_t(qrow0 + i) * dim + d0 + dd] : 0.0f;
      s_k[dd * kTilePitch + i] = d_ok && i < cols ? k[size_t(krow0 + i) * dim + d0 + dd] : 0.0f;
    }
    __syncthreads();
#pragma unroll
    for (uint32_t e = 0; e < kTileK; e++) {
      float a[4], b[4];
#pragma unroll
      for (uint32_t u = 0; u < 4; u++) {
        a[u] = s_q[e * kTilePitch + ty + kTileLanes * u];
        b[u] = s_k[e * kTilePitch + tx + kTileLanes * u];
      }
#pragma unroll
      for (uint32_t ii = 0; ii < 4; ii++)
#pragma unroll
        for (uint32_t jj = 0; jj < 4; jj++) acc[ii][jj] = fmaf(a[ii], b[jj], acc[ii][jj]);
    }
    __syncthreads();
  }
}

// Shared memory of the two score kernels: per-thread partials, then the q and k tiles.
struct ScoreShared {
  double* part_sum;   // [kTile][kTileLanes]
  float* part_max;    // [kTile][kTileLanes]
  float* q_tile;      // [kTileK][kTilePitch]
  float* k_tile;      // [kTileK][kTilePitch]
};
__device__ __forceinline__ ScoreShared score_shared() {
  ScoreShared s;
  s.part_sum = ns_shared;
  s.part_max = reinterpret_cast<float*>(s.part_sum + kTile * kTileLanes);
  s.q_tile = s.part_max + kTile * kTileLanes;
  s.k_tile = s.q_tile + kTileK * kTilePitch;
  return s;
}

// Pass 1, one block per row tile: row_max[i] = max_{j≤i} s_ij and row_inv[i] =
// 1 / Σ_{j≤i} exp(s_ij − row_max[i]), s_ij = (q_i·k_j)·scale, by an online softmax over
// the causal column tiles.
__global__ void __launch_bounds__(kThreads)
attn_row_stats_kernel(const uint32_t* __restrict__ offsets, const uint32_t* __restrict__ chunk_start, uint32_t num_jobs,
                      uint32_t dim, float scale, const float* __restrict__ q, const float* __restrict__ k,
                      float* __restrict__ row_max, float* __restrict__ row_inv) {
  const ScoreShared sh = score_shared();
  const uint32_t c = blockIdx.x;
  if (c >= chunk_start[num_jobs]) return;  // the plan's spare block of a batch without work
  const uint32_t job = find_job(chunk_start, num_jobs, c);
  const uint32_t begin = offsets[job];
  const uint32_t n = offsets[job + 1] - begin;
  // Row tile rt costs rt + 1 column tiles: a job's blocks take its tiles last to first, so
  // the longest start first.
  const uint32_t tiles = chunk_start[job + 1] - chunk_start[job];
  const uint32_t rt = tiles - 1 - (c - chunk_start[job]);
  const uint32_t i0 = rt * kTile;
  const uint32_t rows = umin32(kTile, n - i0);
  const uint32_t tx = threadIdx.x % kTileLanes, ty = threadIdx.x / kTileLanes;

  float mx[4];
  double sum[4];
#pragma unroll
  for (uint32_t ii = 0; ii < 4; ii++) mx[ii] = -INFINITY, sum[ii] = 0.0;
  float acc[4][4];
  for (uint32_t ct = 0; ct <= rt; ct++) {
    const uint32_t j0 = ct * kTile;
    const uint32_t cols = umin32(kTile, n - j0);
    score_tile(q, k, dim, begin + i0, rows, begin + j0, cols, sh.q_tile, sh.k_tile, acc);
#pragma unroll
    for (uint32_t ii = 0; ii < 4; ii++) {
      const uint32_t r = ty + kTileLanes * ii;
      float s[4];
      float tile_max = -INFINITY;
#pragma unroll
      for (uint32_t jj = 0; jj < 4; jj++) {
        const uint32_t cc = tx + kTileLanes * jj;
        const bool ok = r < rows && cc < cols && j0 + cc <= i0 + r;
        s[jj] = ok ? __fmul_rn(acc[ii][jj], scale) : -INFINITY;
        tile_max = fmaxf(tile_max, s[jj]);
      }
      if (tile_max == -INFINITY) continue;
      if (tile_max > mx[ii]) {
        sum[ii] *= double(expf(mx[ii] - tile_max));  // 0 while mx is −∞
        mx[ii] = tile_max;
      }
#pragma unroll
      for (uint32_t jj = 0; jj < 4; jj++)
        if (s[jj] != -INFINITY) sum[ii] += double(expf(s[jj] - mx[ii]));
    }
  }
#pragma unroll
  for (uint32_t ii = 0; ii < 4; ii++) {
    const uint32_t r = ty + kTileLanes * ii;
    sh.part_max[r * kTileLanes + tx] = mx[ii];
    sh.part_sum[r * kTileLanes + tx] = sum[ii];
  }
  __syncthreads();
  if (threadIdx.x < rows) {
    const uint32_t r = threadIdx.x;
    float m = -INFINITY;
    for (uint32_t t = 0; t < kTileLanes; t++) m = fmaxf(m, sh.part_max[r * kTileLanes + t]);
    double z = 0.0;
    for (uint32_t t = 0; t < kTileLanes; t++) {
      const float mt = sh.part_max[r * kTileLanes + t];
      if (mt != -INFINITY) z += sh.part_sum[r * kTileLanes + t] * exp(double(mt) - double(m));
    }
    row_max[begin + i0 + r] = m;
    row_inv[begin + i0 + r] = float(1.0 / z);
  }
}

// Pass 2, one block per column tile: w[j] = Σ_{i≥j} exp(s_ij − row_max[i]) · row_inv[i]
// over the row tiles at and after it, summed in double. Every w of the batch is written.
__global__ void __launch_bounds__(kThreads)
attn_col_weights_kernel(const uint32_t* __restrict__ offsets, const uint32_t* __restrict__ chunk_start,
                        uint32_t num_jobs, uint32_t dim, float scale, const float* __restrict__ q,
                        const float* __restrict__ k, const float* __restrict__ row_max,
                        const float* __restrict__ row_inv, double* __restrict__ w) {
  const ScoreShared sh = score_shared();
  const uint32_t c = blockIdx.x;
  if (c >= chunk_start[num_jobs]) return;  // the plan's spare block of a batch without work
  const uint32_t job = find_job(chunk_start, num_jobs, c);
  const uint32_t begin = offsets[job];
  const uint32_t n = offsets[job + 1] - begin;
  const uint32_t ct = c - chunk_start[job];
  const uint32_t j0 = ct * kTile;
  const uint32_t cols = umin32(kTile, n - j0);
  const uint32_t tiles = (n + kTile - 1) / kTile;
  const uint32_t tx = threadIdx.x % kTileLanes, ty = threadIdx.x / kTileLanes;

  double ws[4] = {0.0, 0.0, 0.0, 0.0};
  float acc[4][4];
  for (uint32_t rt = ct; rt < tiles; rt++) {
    const uint32_t i0 = rt * kTile;
    const uint32_t rows = umin32(kTile, n - i0);
    score_tile(q, k, dim, begin + i0, rows, begin + j0, cols, sh.q_tile, sh.k_tile, acc);
#pragma unroll
    for (uint32_t ii = 0; ii < 4; ii++) {
      const uint32_t r = ty + kTileLanes * ii;
      if (r >= rows) continue;
      const float m = row_max[begin + i0 + r];
      const float inv = row_inv[begin + i0 + r];
#pragma unroll
      for (uint32_t jj = 0; jj < 4; jj++) {
        const uint32_t cc = tx + kTileLanes * jj;
        if (cc < cols && j0 + cc <= i0 + r) ws[jj] += double(expf(__fmul_rn(acc[ii][jj], scale) - m) * inv);
      }
    }
  }
#pragma unroll
  for (uint32_t jj = 0; jj < 4; jj++) sh.part_sum[(tx + kTileLanes * jj) * kTileLanes + ty] = ws[jj];
  __syncthreads();
  if (threadIdx.x < cols) {
    double total = 0.0;
    for (uint32_t t = 0; t < kTileLanes; t++) total += sh.part_sum[threadIdx.x * kTileLanes + t];
    w[begin + j0 + threadIdx.x] = total;
  }
}

// y[job][d] += Σ_j w_j x_j[d] over the kTile tokens of one tile, blocks over (tile,
// dim_tile dims) like embed_accumulate; y must be zero beforehand.
__global__ void __launch_bounds__(kThreads)
attn_pool_kernel(const uint32_t* __restrict__ tokens, const uint32_t* __restrict__ offsets,
                 const uint32_t* __restrict__ chunk_start, uint32_t num_jobs, uint64_t seed, uint32_t dim,
                 uint32_t dim_tile, const double* __restrict__ w, double* __restrict__ y) {
  const uint32_t c = blockIdx.x;
  if (c >= chunk_start[num_jobs]) return;  // the plan's spare block of a batch without work
  const uint32_t job = find_job(chunk_start, num_jobs, c);
  const uint32_t begin = offsets[job];
  const uint32_t n = offsets[job + 1] - begin;
  const uint32_t first = (c - chunk_start[job]) * kTile;
  const uint32_t m = umin32(kTile, n - first);

  double* s_w = ns_shared;                                       // kTile
  double* s_sum = s_w + kTile;                                   // kThreads
  uint32_t* s_tok = reinterpret_cast<uint32_t*>(s_sum + kThreads);  // kTile
  for (uint32_t i = threadIdx.x; i < m; i += blockDim.x) {
    s_tok[i] = tokens[begin + first + i];
    s_w[i] = w[begin + first + i];
  }
  __syncthreads();

  const uint32_t dd = threadIdx.x & (dim_tile - 1);
  const uint32_t lane = threadIdx.x / dim_tile;
  const uint32_t lanes = blockDim.x / dim_tile;
  const uint32_t d = blockIdx.y * dim_tile + dd;
  double sum = 0.0;
  if (d < dim)
    for (uint32_t i = lane; i < m; i += lanes) sum += s_w[i] * double(g_float(seed, s_tok[i], d));
  s_sum[threadIdx.x] = sum;
  __syncthreads();
  if (lane == 0 && d < dim) {
    for (uint32_t l = 1; l < lanes; l++) sum += s_sum[l * dim_tile + dd];
    atomicAdd(y + size_t(job) * dim + d, sum);
  }
}

// out[job][c] = (1/n) Σ_d y[job][d] G3[d][c] / √D in double, for kCombineJobs jobs per
// block (so each G3 element read serves all of them) and one column per thread; zeros
// for n = 0 (G3 is not read when no job of the block has tokens).
__global__ void __launch_bounds__(kThreads)
attn_combine_kernel(const uint32_t* __restrict__ offsets, uint32_t num_jobs, uint32_t dim, double inv_sqrt_dim,
                    const float* __restrict__ G3, const double* __restrict__ y, float* __restrict__ out) {
  double* s_y = ns_shared;  // [kCombineJobs][kCombineDepth]
  const uint32_t job0 = blockIdx.x * kCombineJobs;
  const uint32_t jobs = umin32(kCombineJobs, num_jobs - job0);
  const uint32_t c = blockIdx.y * blockDim.x + threadIdx.x;
  bool any = false;
  for (uint32_t jb = 0; jb < jobs; jb++) any = any || offsets[job0 + jb + 1] > offsets[job0 + jb];

  double acc[kCombineJobs];
#pragma unroll
  for (uint32_t jb = 0; jb < kCombineJobs; jb++) acc[jb] = 0.0;
  if (any) {
    for (uint32_t d0 = 0; d0 < dim; d0 += kCombineDepth) {
      for (uint32_t e = threadIdx.x; e < kCombineJobs * kCombineDepth; e += blockDim.x) {
        const uint32_t jb = e / kCombineDepth, dd = e % kCombineDepth;
        s_y[e] = jb < jobs && d0 + dd < dim ? y[size_t(job0 + jb) * dim + d0 + dd] : 0.0;
      }
      __syncthreads();
      if (c < dim) {
        const uint32_t depth = umin32(kCombineDepth, dim - d0);
        for (uint32_t dd = 0; dd < depth; dd++) {
          const double g = G3[size_t(d0 + dd) * dim + c];
#pragma unroll
          for (uint32_t jb = 0; jb < kCombineJobs; jb++) acc[jb] += s_y[jb * kCombineDepth + dd] * g;
        }
      }
      __syncthreads();
    }
  }
  if (c >= dim) return;
  for (uint32_t jb = 0; jb < jobs; jb++) {
    const uint32_t n = offsets[job0 + jb + 1] - offsets[job0 + jb];
    out[size_t(job0 + jb) * dim + c] = n == 0 ? 0.0f : float(acc[jb] * inv_sqrt_dim / double(n));
  }
}

// ---------------------------------------------------------------------------------------
// Host side.

namespace {

// Launches `kernel` with the plan's shape; arguments convert to the kernel's parameter types.
template <typename... P>
cudaError_t launch(void (*kernel)(P...), const KernelLaunch& l, cudaStream_t stream,
                   typename std::common_type<P>::type... args) {
  void* argv[] = {const_cast<void*>(static_cast<const void*>(&args))...};
  return cudaLaunchKernel(kernel, dim3(l.grid_x, l.grid_y, 1), dim3(l.block_x, 1, 1), argv, l.shared_bytes, stream);
}

#define NS_ENQUEUE(call)                                                  \
  do {                                                                    \
    const cudaError_t e_ = (call);                                        \
    if (e_ != cudaSuccess) return KernelStatus{int(e_), #call, __FILE__, __LINE__}; \
  } while (0)

}  // namespace

KernelStatus launch_batch(const BatchPlan& plan, const OpParams& params, unsigned char* device, void* stream_ptr) {
  const cudaStream_t stream = static_cast<cudaStream_t>(stream_ptr);
  const LaunchPlan& m = plan.main;
  if (plan.num_jobs == 0) return {};
  for (const BatchPlan::Fill& f : plan.fills)
    if (f.bytes > 0) NS_ENQUEUE(cudaMemsetAsync(device + f.offset, f.value, f.bytes, stream));

  const auto* tokens = reinterpret_cast<const uint32_t*>(device + m.tokens_offset);
  const auto* offsets = reinterpret_cast<const uint32_t*>(device + m.offsets_offset);
  const auto* chunk_start = reinterpret_cast<const uint32_t*>(device + plan.chunk_start_offset);
  const uint32_t num_jobs = plan.num_jobs;

  switch (params.op) {
    case Op::Minhash: {
      const auto* a = reinterpret_cast<const uint64_t*>(device + m.coeffs_offset);
      const uint64_t* b = a + params.num_perm;
      auto* out = reinterpret_cast<uint32_t*>(device + m.out_offset);
      if (!plan.minhash.empty())
        NS_ENQUEUE(launch(minhash_kernel, plan.minhash, stream, tokens, offsets, chunk_start, num_jobs, a, b,
                          params.num_perm, params.shingle, plan.perm_lanes, out));
      break;
    }
    case Op::Embed: {
      auto* acc = reinterpret_cast<unsigned long long*>(device + plan.acc_offset);
      auto* out = reinterpret_cast<float*>(device + m.out_offset);
      if (!plan.embed_accumulate.empty())
        NS_ENQUEUE(launch(embed_accumulate_kernel, plan.embed_accumulate, stream, tokens, offsets, chunk_start,
                          num_jobs, params.seed, params.dim, plan.dim_tile, acc));
      if (!plan.embed_normalize.empty())
        NS_ENQUEUE(launch(embed_normalize_kernel, plan.embed_normalize, stream, offsets, params.dim, acc, out));
      break;
    }
    case Op::Attention: {
      const uint32_t dim = params.dim;
      auto* G = reinterpret_cast<float*>(device + m.coeffs_offset);
      auto* q = reinterpret_cast<float*>(device + plan.q_offset);
      auto* k = reinterpret_cast<float*>(device + plan.k_offset);
      auto* rmax = reinterpret_cast<float*>(device + plan.row_max_offset);
      auto* rinv = reinterpret_cast<float*>(device + plan.row_inv_offset);
      auto* w = reinterpret_cast<double*>(device + plan.w_offset);
      auto* y = reinterpret_cast<double*>(device + plan.y_offset);
      auto* out = reinterpret_cast<float*>(device + m.out_offset);
      const double sqrt_d = std::sqrt(double(dim));
      const float scale = float(1.0 / (double(dim) * sqrt_d));  // 1/D from G1, G2; 1/√D of the score
      if (!plan.attn_weights.empty())
        NS_ENQUEUE(launch(attn_weights_kernel, plan.attn_weights, stream, params.seed, dim, G));
      if (!plan.attn_project.empty())
        NS_ENQUEUE(launch(attn_project_kernel, plan.attn_project, stream, tokens, plan.num_tokens, params.seed, dim,
                          G, q, k));
      if (!plan.attn_row_stats.empty())
        NS_ENQUEUE(launch(attn_row_stats_kernel, plan.attn_row_stats, stream, offsets, chunk_start, num_jobs, dim,
                          scale, q, k, rmax, rinv));
      if (!plan.attn_col_weights.empty())
        NS_ENQUEUE(launch(attn_col_weights_kernel, plan.attn_col_weights, stream, offsets, chunk_start, num_jobs,
                          dim, scale, q, k, rmax, rinv, w));
      if (!plan.attn_pool.empty())
        NS_ENQUEUE(launch(attn_pool_kernel, plan.attn_pool, stream, tokens, offsets, chunk_start, num_jobs,
                          params.seed, dim, plan.dim_tile, w, y));
      if (!plan.attn_combine.empty())
        NS_ENQUEUE(launch(attn_combine_kernel, plan.attn_combine, stream, offsets, num_jobs, dim, 1.0 / sqrt_d,
                          G + 2 * size_t(dim) * dim, y, out));
      break;
    }
  }
  return {};
}

KernelStatus check_kernel_image() {
  cudaFuncAttributes attr;
  NS_ENQUEUE(cudaFuncGetAttributes(&attr, minhash_kernel));
  return {};
}

}  // namespace ns::cuda
