// Host-side planning of a CUDA batch (see launch_plan.h and kernels.cuh): how the
// ragged batch is cut into blocks, each kernel's launch shape, and the byte layout
// of the one device allocation. Plain C++ (no CUDA header): compiled on every build.
#include "cuda/launch_plan.h"
#include <algorithm>
#include "cuda/kernels.cuh"

namespace ns::cuda {
namespace {

size_t align_up(size_t x) { return (x + kRegionAlign - 1) / kRegionAlign * kRegionAlign; }

uint32_t ceil_div(uint64_t a, uint64_t b) { return uint32_t((a + b - 1) / b); }

// Smallest power of two ≥ x (x ≥ 1).
uint32_t pow2_at_least(uint32_t x) {
  uint32_t p = 1;
  while (p < x) p <<= 1;
  return p;
}

// Lays regions out back to back, each kRegionAlign-aligned.
struct Layout {
  size_t end = 0;
  size_t take(size_t bytes) {
    const size_t at = end;
    end = align_up(end + bytes);
    return at;
  }
};

KernelLaunch launch(uint32_t grid_x, uint32_t grid_y, size_t shared_bytes) {
  // A zero grid_x stays zero (nothing to launch).
  KernelLaunch k;
  k.grid_x = grid_x;
  k.grid_y = grid_x == 0 ? 0 : grid_y;
  k.block_x = kThreads;
  k.shared_bytes = shared_bytes;
  return k;
}

// Work items (shingles, tokens or rows) of job i.
uint64_t items(const BatchView& batch, const OpParams& params, size_t i) {
  const uint64_t n = batch.length(i);
  if (params.op == Op::Minhash) return n == 0 ? 0 : n >= params.shingle ? n - params.shingle + 1 : 1;
  return n;
}

}  // namespace

BatchPlan plan_batch(const BatchView& batch, const OpParams& params) {
  BatchPlan plan;
  const size_t jobs = batch.num_jobs;  // 0 still gets its (tiny) layout, but no launch
  const size_t tokens = batch.num_tokens;
  const uint32_t dim = params.dim;
  plan.num_jobs = uint32_t(jobs);
  plan.num_tokens = uint32_t(tokens);

  switch (params.op) {
    case Op::Minhash: plan.chunk = kMinhashChunk; break;
    case Op::Embed: plan.chunk = kEmbedChunk; break;
    case Op::Attention: plan.chunk = kTile; break;
  }
  plan.chunk_start.resize(jobs + 1);
  uint64_t chunks = 0;
  for (size_t i = 0; i < jobs; i++) {
    plan.chunk_start[i] = uint32_t(chunks);
    chunks += ceil_div(items(batch, params, i), plan.chunk);
  }
  plan.chunk_start[jobs] = uint32_t(chunks);
  plan.num_chunks = uint32_t(chunks);
  // The op's main kernel (LaunchPlan) runs whenever there are jobs, with at least one block:
  // blocks past the last chunk return at once (a batch of empty jobs has no chunk).
  const uint32_t main_grid = jobs == 0 ? 0 : std::max<uint32_t>(plan.num_chunks, 1);

  Layout L;
  LaunchPlan& m = plan.main;
  m.tokens_offset = L.take(tokens * sizeof(uint32_t));
  m.offsets_offset = L.take((jobs + 1) * sizeof(uint32_t));
  size_t coeff_bytes = 0;
  if (params.op == Op::Minhash && jobs > 0) coeff_bytes = 2 * size_t(params.num_perm) * sizeof(uint64_t);
  if (params.op == Op::Attention && tokens > 0) coeff_bytes = 3 * size_t(dim) * dim * sizeof(float);
  m.coeffs_offset = L.take(coeff_bytes);
  m.out_offset = L.take(jobs * result_len(params) * sizeof(uint32_t));  // uint32 or float: 4 bytes
  m.scratch_offset = L.end;
  plan.chunk_start_offset = L.take((jobs + 1) * sizeof(uint32_t));

  switch (params.op) {
    case Op::Minhash: {
      plan.perm_lanes = pow2_at_least(std::min(params.num_perm, kThreads));
      // Shared: the chunk's tokens (chunk + shingle − 1), then its shingle hashes.
      const size_t shared = (size_t(kMinhashChunk) + params.shingle - 1 + kMinhashChunk) * sizeof(uint32_t);
      plan.minhash = launch(main_grid, 1, shared);
      plan.fills.push_back({m.out_offset, jobs * size_t(params.num_perm) * sizeof(uint32_t), 0xFF});
      m.grid_x = plan.minhash.grid_x;
      m.grid_y = plan.minhash.grid_y;
      m.block_x = plan.minhash.block_x;
      m.shared_bytes = plan.minhash.shared_bytes;
      break;
    }
    case Op::Embed: {
      plan.dim_tile = std::min(pow2_at_least(dim), kMaxEmbedDimTile);
      plan.acc_offset = L.take(jobs * size_t(dim) * sizeof(uint64_t));
      plan.fills.push_back({plan.acc_offset, jobs * size_t(dim) * sizeof(uint64_t), 0});
      // Shared: the chunk's tokens, then one uint64 partial sum per thread.
      plan.embed_accumulate = launch(main_grid, ceil_div(dim, plan.dim_tile),
                                     kEmbedChunk * sizeof(uint32_t) + kThreads * sizeof(uint64_t));
      plan.embed_normalize = launch(uint32_t(jobs), 1, kThreads * sizeof(double));
      m.grid_x = plan.embed_accumulate.grid_x;
      m.grid_y = plan.embed_accumulate.grid_y;
      m.block_x = plan.embed_accumulate.block_x;
      m.shared_bytes = plan.embed_accumulate.shared_bytes;
      break;
    }
    case Op::Attention: {
      const size_t nd = tokens * size_t(dim);
      plan.dim_tile = std::min(pow2_at_least(dim), kMaxEmbedDimTile);
      plan.q_offset = L.take(nd * sizeof(float));
      plan.k_offset = L.take(nd * sizeof(float));
      plan.row_max_offset = L.take(tokens * sizeof(float));
      plan.row_inv_offset = L.take(tokens * sizeof(float));
      plan.w_offset = L.take(tokens * sizeof(double));
      plan.y_offset = L.take(jobs * size_t(dim) * sizeof(double));
      plan.fills.push_back({plan.y_offset, jobs * size_t(dim) * sizeof(double), 0});
      // Shared of both score kernels: per-thread partial row (or column) sums (double) and
      // maxima (float), then the transposed q and k tiles.
      const size_t scores = kTile * kTileLanes * (sizeof(double) + sizeof(float)) + 2 * kTileK * kTilePitch * sizeof(float);
      plan.attn_row_stats = launch(main_grid, 1, scores);
      if (tokens > 0) {
        plan.attn_weights = launch(ceil_div(3 * uint64_t(dim) * dim, kThreads), 1, 0);
        // Shared: the x tile and the G1, G2 tiles, kTileK × kTile floats each.
        plan.attn_project = launch(ceil_div(tokens, kTile), ceil_div(dim, kTile), 3 * kTileK * kTile * sizeof(float));
        plan.attn_col_weights = launch(plan.num_chunks, 1, scores);
        // Shared: the chunk's weights (double) and per-thread partial sums (double), then its tokens.
        plan.attn_pool = launch(plan.num_chunks, ceil_div(dim, plan.dim_tile),
                                kTile * sizeof(double) + kThreads * sizeof(double) + kTile * sizeof(uint32_t));
      }
      plan.attn_combine = launch(ceil_div(jobs, kCombineJobs), ceil_div(dim, kThreads),
                                 kCombineJobs * kCombineDepth * sizeof(double));
      m.grid_x = plan.attn_row_stats.grid_x;
      m.grid_y = plan.attn_row_stats.grid_y;
      m.block_x = plan.attn_row_stats.block_x;
      m.shared_bytes = plan.attn_row_stats.shared_bytes;
      break;
    }
  }
  m.device_bytes = L.end;
  return plan;
}

LaunchPlan plan_launch(const BatchView& batch, const OpParams& params) { return plan_batch(batch, params).main; }

}  // namespace ns::cuda
