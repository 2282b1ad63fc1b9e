// Host-side planning of a CUDA batch: launch sizes and the layout of the one
// device allocation. Plain C++, compiled on every build and tested from JS
// (addon.cudaPlan), so that what only a GPU can run stays as small as possible.
#pragma once
#include <cstddef>
#include <cstdint>
#include "batch.h"

namespace ns::cuda {

struct LaunchPlan {
  uint32_t grid_x = 0, grid_y = 0, block_x = 0;
  size_t shared_bytes = 0;  // dynamic shared memory per block
  // One device allocation holds every array; byte offsets into it (each 256-byte aligned).
  size_t tokens_offset = 0, offsets_offset = 0, coeffs_offset = 0, out_offset = 0, scratch_offset = 0;
  size_t device_bytes = 0;
};

LaunchPlan plan_launch(const BatchView& batch, const OpParams& params);

}  // namespace ns::cuda
