// The CUDA path's batch plan in full, and the entry points of kernels.cu.
//
// Plain C++17: no CUDA header is needed to include this file. launch_plan.cc
// (compiled on every build, CUDA or not) computes the BatchPlan; kernels.cu and
// cuda_backend.cc only read it, so sizes, offsets and launch shapes are decided
// in one place. LaunchPlan (launch_plan.h) is BatchPlan::main, the summary JS sees.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>
#include "batch.h"
#include "cuda/launch_plan.h"

namespace ns::cuda {

// Every region of the device allocation starts on this boundary.
constexpr size_t kRegionAlign = 256;

// Tiling constants shared by the planner and the kernels.
constexpr uint32_t kThreads = 256;            // threads per block of every kernel below
constexpr uint32_t kMinhashChunk = 4096;      // shingles per minhash block
constexpr uint32_t kEmbedChunk = 1024;        // tokens per embed block (attention pools kTile per block)
constexpr uint32_t kMaxEmbedDimTile = 256;    // dims per embed / attention-pool block, at most
constexpr uint32_t kTile = 64;                // attention: rows (and columns) per tile
constexpr uint32_t kTileK = 16;               // attention: depth of one shared-memory step
constexpr uint32_t kTilePitch = kTile + 1;    // padded row of a transposed shared tile
constexpr uint32_t kTileLanes = 16;           // attention: a tile's kThreads as 16 × 16, 4 × 4 entries each
constexpr uint32_t kCombineJobs = 8;          // attention: jobs per combine block
constexpr uint32_t kCombineDepth = 32;        // attention: y entries staged per combine step
constexpr size_t kMaxSharedBytes = 48 * 1024; // every kernel stays under the default limit

// One kernel launch: grid_x · grid_y blocks of block_x threads. A zero grid means "do not launch".
struct KernelLaunch {
  uint32_t grid_x = 0, grid_y = 0, block_x = 0;
  size_t shared_bytes = 0;
  bool empty() const { return grid_x == 0 || grid_y == 0; }
};

// Everything one run_batch needs. Offsets are bytes into the single device allocation.
//
// Regions (each kRegionAlign-aligned, in this order; see launch_plan.cc):
//   tokens   uint32[num_tokens]                  the batch's tokens as given
//   offsets  uint32[num_jobs + 1]                the batch's offsets as given
//   coeffs   minhash: uint64 a[num_perm], then uint64 b[num_perm] (hashing.h, host-computed)
//            attention: float G[3][dim][dim], G[m−1][r][c] = g(seed, 2^32−1−(m·dim+r), c)
//            (exact; the 1/√dim is applied later), filled on the device
//            embed: empty
//   out      num_jobs · result_len elements (uint32 or float)
//   scratch  uint32 chunk_start[num_jobs + 1] (host-computed), then per op:
//            embed: uint64 acc[num_jobs][dim]
//            attention: float q[num_tokens][dim], float k[num_tokens][dim] (x·G1, x·G2),
//            float row_max[num_tokens], float row_inv[num_tokens], double w[num_tokens],
//            double y[num_jobs][dim]
struct BatchPlan {
  LaunchPlan main;  // what plan_launch returns
  uint32_t num_jobs = 0, num_tokens = 0;

  // Ragged split of the work: work item c (a block, blockIdx.x) belongs to job j with
  // chunk_start[j] ≤ c < chunk_start[j + 1] and covers that job's items
  // [(c − chunk_start[j])·chunk, … + chunk). Items are shingles (minhash, chunk ==
  // kMinhashChunk), tokens (embed, chunk == kEmbedChunk) or rows / columns / tokens of one
  // attention tile (chunk == kTile).
  uint32_t chunk = 0;
  uint32_t num_chunks = 0;
  std::vector<uint32_t> chunk_start;  // num_jobs + 1 entries, copied to chunk_start_offset
  size_t chunk_start_offset = 0;

  // minhash: perm_lanes threads of a block share the permutations, kThreads / perm_lanes
  // groups of them share the shingles of the chunk.
  uint32_t perm_lanes = 0;
  KernelLaunch minhash;

  // embed and the attention pool: dim_tile dims per block (a power of two), kThreads / dim_tile
  // token lanes.
  uint32_t dim_tile = 0;
  size_t acc_offset = 0;
  KernelLaunch embed_accumulate, embed_normalize;

  // attention
  size_t q_offset = 0, k_offset = 0, row_max_offset = 0, row_inv_offset = 0, w_offset = 0, y_offset = 0;
  KernelLaunch attn_weights, attn_project, attn_row_stats, attn_col_weights, attn_pool, attn_combine;

  // Byte ranges the device must clear before the kernels run (value per byte).
  struct Fill {
    size_t offset, bytes;
    int value;
  };
  std::vector<Fill> fills;
};

// The whole plan; plan_launch(batch, params) == plan_batch(batch, params).main.
BatchPlan plan_batch(const BatchView& batch, const OpParams& params);

// Where a launch failed; code is a cudaError_t (0 = cudaSuccess).
struct KernelStatus {
  int code = 0;
  const char* call = "";
  const char* file = "";
  int line = 0;
};

// Enqueues every fill and kernel of the plan's op on `stream` (a cudaStream_t) over the
// allocation at `device` (whose regions the host has already filled). Returns the first
// failure of an enqueue; execution errors surface at the next synchronization.
KernelStatus launch_batch(const BatchPlan& plan, const OpParams& params, unsigned char* device, void* stream);

// Whether the kernels have an image this device can run (cudaFuncGetAttributes on one of them).
KernelStatus check_kernel_image();

}  // namespace ns::cuda
