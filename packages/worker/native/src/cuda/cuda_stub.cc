// Stands in for the CUDA path when nvcc was not found at build time.
#include <stdexcept>
#include "cuda/cuda_backend.h"

namespace ns::cuda {

bool built() { return false; }
std::vector<int> archs() { return {}; }
Probe probe() { return {false, "not built (nvcc was not found when the addon was built)", ""}; }
DeviceInfo device_info() {
  DeviceInfo d;
  d.reason = probe().reason;
  return d;
}
void run_batch(const BatchView&, const OpParams&, void*, double*) { throw std::runtime_error("cuda: not built"); }

}  // namespace ns::cuda
