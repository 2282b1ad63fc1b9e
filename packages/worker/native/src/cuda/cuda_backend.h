// The CUDA path. Compiled only when nvcc was found at build time
// (cuda_backend.cc + kernels.cu); otherwise cuda_stub.cc answers "not built".
#pragma once
#include <string>
#include <vector>
#include "batch.h"

namespace ns::cuda {

// Whether this build carries CUDA kernels, and for which SM architectures.
bool built();
std::vector<int> archs();

// Whether a usable device is present now; `reason` says why not ("no device", "driver too old", …).
struct Probe {
  bool usable = false;
  std::string reason;
  std::string device;  // name of device 0 when usable
};
Probe probe();

// What the check and the benchmarks print about device 0 (zeros and the probe's reason when there is
// none). fp32_peak_flops is nominal: multiprocessors × FP32 lanes a multiprocessor × 2 × clock.
struct DeviceInfo {
  bool usable = false;
  std::string reason, name;
  int cc_major = 0, cc_minor = 0, multiprocessors = 0, clock_khz = 0, fp32_lanes_per_sm = 0;
  int driver_version = 0, runtime_version = 0;
  size_t memory_bytes = 0, l2_bytes = 0;
  double fp32_peak_flops = 0;
};
DeviceInfo device_info();

// Runs a whole batch on device 0; out holds num_jobs · result_len(params) elements (uint32 for
// minhash, float otherwise), job_seconds one entry per job (its share of kernel time).
// Throws std::runtime_error with file:line and CUDA's message on any failure, after clearing
// CUDA's sticky error state.
void run_batch(const BatchView& batch, const OpParams& params, void* out, double* job_seconds);

}  // namespace ns::cuda
