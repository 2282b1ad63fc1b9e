// The CUDA path's host side (cuda_backend.h): device probe and one batch run. Plain C++
// compiled against the CUDA runtime headers; the kernels and their launches live in
// kernels.cu (kernels.cuh), the sizes and layout in launch_plan.cc.
#include "cuda/cuda_backend.h"
#include <cuda_runtime.h>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>
#include "cuda/kernels.cuh"
#include "hashing.h"

namespace ns::cuda {
namespace {

// "…/src/cuda/x.cc" → "src/cuda/x.cc", so messages do not depend on the build directory.
const char* short_path(const char* file) {
  const char* p = std::strstr(file, "src/cuda/");
  return p ? p : file;
}

std::string describe(cudaError_t e) {
  return std::string(cudaGetErrorName(e)) + ": " + cudaGetErrorString(e);
}

[[noreturn]] void fail(cudaError_t e, const char* call, const char* file, int line) {
  (void)cudaGetLastError();  // clear the error so later calls on this thread start clean
  std::ostringstream msg;
  msg << "cuda: " << call << " failed at " << short_path(file) << ":" << line << " (" << describe(e) << ")";
  throw std::runtime_error(msg.str());
}

#define NS_CUDA_CHECK(call)                                          \
  do {                                                               \
    const cudaError_t e_ = (call);                                   \
    if (e_ != cudaSuccess) fail(e_, #call, __FILE__, __LINE__);      \
  } while (0)

// What a thread's runs hold on the device, kept from one run to the next: creating a stream and
// events and allocating (and freeing, which waits on the whole device) cost tens of µs a call,
// more than a small batch's kernels (the H200 run of scripts/gpu-check.sh). Batches run on
// libuv's pool threads, so each thread has its own. Released after a failed run, and a buffer
// over kKeepBytes is not kept.
constexpr size_t kKeepBytes = size_t(1) << 30;

struct ThreadResources {
  cudaStream_t stream = nullptr;
  cudaEvent_t start = nullptr, stop = nullptr;
  void* device = nullptr;
  size_t capacity = 0;

  void release_buffer() {
    if (stream) (void)cudaStreamSynchronize(stream);  // nothing may still use `device`
    if (device) (void)cudaFree(device);
    device = nullptr;
    capacity = 0;
    (void)cudaGetLastError();
  }
  void release() {
    release_buffer();
    if (start) (void)cudaEventDestroy(start);
    if (stop) (void)cudaEventDestroy(stop);
    if (stream) (void)cudaStreamDestroy(stream);
    start = stop = nullptr;
    stream = nullptr;
    (void)cudaGetLastError();
  }
  ~ThreadResources() { release(); }
};

thread_local ThreadResources tls;

std::string version(int v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); }

// probe()'s reason for a failed cudaGetDeviceCount.
std::string unusable_reason(cudaError_t e) {
  int driver = 0, runtime = 0;
  (void)cudaDriverGetVersion(&driver);
  (void)cudaRuntimeGetVersion(&runtime);
  (void)cudaGetLastError();
  const std::string what = describe(e);
  switch (e) {
    case cudaErrorNoDevice:
      return "no device (" + what + ")";
    case cudaErrorInsufficientDriver:
      if (driver == 0) return "no device or driver (" + what + "; no NVIDIA driver is installed)";
      return "driver too old/insufficient (" + what + "; the driver supports CUDA " + version(driver) +
             ", this build needs " + version(runtime) + ")";
    case cudaErrorSystemDriverMismatch:
    case cudaErrorCompatNotSupportedOnDevice:
    case cudaErrorCallRequiresNewerDriver:
      return "driver too old/insufficient (" + what + ")";
    case cudaErrorDevicesUnavailable:
      return "device busy or unavailable (" + what + ")";
    default:
      return "CUDA unavailable (" + what + ")";
  }
}

}  // namespace

bool built() { return true; }

// The architectures build.mjs compiled kernels.cu for (NIGHTSHIFT_CUDA_ARCHS), passed on by binding.gyp.
#ifndef NS_CUDA_ARCHS
#define NS_CUDA_ARCHS 80, 90
#endif
std::vector<int> archs() { return {NS_CUDA_ARCHS}; }

Probe probe() {
  Probe p;
  try {
    int count = 0;
    const cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {
      p.reason = unusable_reason(e);
      return p;
    }
    if (count == 0) {
      p.reason = "no device (cudaGetDeviceCount found none)";
      return p;
    }
    cudaDeviceProp prop;
    const cudaError_t pe = cudaGetDeviceProperties(&prop, 0);
    if (pe != cudaSuccess) {
      (void)cudaGetLastError();
      p.reason = "device 0 unusable (" + describe(pe) + ")";
      return p;
    }
    const std::string name = prop.name;
    const std::string cc = std::to_string(prop.major) + "." + std::to_string(prop.minor);
    if (prop.major < 8) {
      p.reason = "device 0 (" + name + ") has compute capability " + cc +
                 "; this build needs 8.0 or newer (sm_80, sm_90, compute_90)";
      return p;
    }
    const cudaError_t se = cudaSetDevice(0);
    if (se != cudaSuccess) {
      (void)cudaGetLastError();
      p.reason = "device 0 (" + name + ") unusable (" + describe(se) + ")";
      return p;
    }
    const KernelStatus ks = check_kernel_image();
    if (ks.code != 0) {
      (void)cudaGetLastError();
      p.reason = "no kernel image for device 0 (" + name + ", compute capability " + cc + ") (" +
                 describe(cudaError_t(ks.code)) + ")";
      return p;
    }
    p.usable = true;
    p.device = name;
  } catch (const std::exception& ex) {
    p.usable = false;
    p.reason = std::string("probe failed (") + ex.what() + ")";
  } catch (...) {
    p.usable = false;
    p.reason = "probe failed";
  }
  return p;
}

namespace {
// FP32 lanes a multiprocessor, by compute capability (CUDA C++ Programming Guide's throughput table).
int fp32_lanes(int major, int minor) {
  if (major == 8 && minor == 0) return 64;  // A100
  if (major == 6 && minor == 0) return 64;
  return major >= 6 ? 128 : 0;
}
}  // namespace

DeviceInfo device_info() {
  DeviceInfo d;
  const Probe p = probe();
  d.usable = p.usable;
  d.reason = p.usable ? "" : p.reason;
  (void)cudaDriverGetVersion(&d.driver_version);
  (void)cudaRuntimeGetVersion(&d.runtime_version);
  if (!p.usable) {
    (void)cudaGetLastError();
    return d;
  }
  cudaDeviceProp prop;
  if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess) {
    (void)cudaGetLastError();
    return d;
  }
  d.name = prop.name;
  d.cc_major = prop.major;
  d.cc_minor = prop.minor;
  d.multiprocessors = prop.multiProcessorCount;
  d.memory_bytes = prop.totalGlobalMem;
  d.l2_bytes = size_t(prop.l2CacheSize);
  // cudaDeviceProp lost clockRate in CUDA 13; the attribute stays.
  if (cudaDeviceGetAttribute(&d.clock_khz, cudaDevAttrClockRate, 0) != cudaSuccess) d.clock_khz = 0;
  (void)cudaGetLastError();
  d.fp32_lanes_per_sm = fp32_lanes(prop.major, prop.minor);
  d.fp32_peak_flops = double(d.multiprocessors) * d.fp32_lanes_per_sm * 2.0 * double(d.clock_khz) * 1e3;
  return d;
}

namespace {

// One batch on this thread's stream and buffer: copies in, the kernels, the results out.
void run_on(ThreadResources& r, const BatchView& batch, const OpParams& params, const BatchPlan& plan, const std::vector<uint64_t>& a,
            const std::vector<uint64_t>& b, void* out, double* job_seconds) {
  const LaunchPlan& m = plan.main;
  if (!r.stream) NS_CUDA_CHECK(cudaStreamCreateWithFlags(&r.stream, cudaStreamNonBlocking));
  if (!r.start) NS_CUDA_CHECK(cudaEventCreate(&r.start));
  if (!r.stop) NS_CUDA_CHECK(cudaEventCreate(&r.stop));
  if (r.capacity < m.device_bytes) {
    r.release_buffer();
    const cudaError_t alloc = cudaMalloc(&r.device, m.device_bytes);
    if (alloc != cudaSuccess) {
      r.device = nullptr;
      const std::string call = "cudaMalloc(" + std::to_string(m.device_bytes) + " bytes)";
      fail(alloc, call.c_str(), __FILE__, __LINE__);
    }
    r.capacity = m.device_bytes;
  }
  auto* dev = static_cast<unsigned char*>(r.device);

  NS_CUDA_CHECK(cudaEventRecord(r.start, r.stream));
  const auto put = [&](size_t offset, const void* src, size_t bytes) {
    if (bytes > 0) NS_CUDA_CHECK(cudaMemcpyAsync(dev + offset, src, bytes, cudaMemcpyHostToDevice, r.stream));
  };
  put(m.tokens_offset, batch.tokens, batch.num_tokens * sizeof(uint32_t));
  put(m.offsets_offset, batch.offsets, (batch.num_jobs + 1) * sizeof(uint32_t));
  put(plan.chunk_start_offset, plan.chunk_start.data(), plan.chunk_start.size() * sizeof(uint32_t));
  if (params.op == Op::Minhash) {
    put(m.coeffs_offset, a.data(), a.size() * sizeof(uint64_t));
    put(m.coeffs_offset + a.size() * sizeof(uint64_t), b.data(), b.size() * sizeof(uint64_t));
  }

  const KernelStatus ks = launch_batch(plan, params, dev, r.stream);
  if (ks.code != 0) fail(cudaError_t(ks.code), ks.call, ks.file, ks.line);

  const size_t out_bytes = batch.num_jobs * result_len(params) * sizeof(uint32_t);  // uint32 or float
  NS_CUDA_CHECK(cudaMemcpyAsync(out, dev + m.out_offset, out_bytes, cudaMemcpyDeviceToHost, r.stream));
  NS_CUDA_CHECK(cudaEventRecord(r.stop, r.stream));
  NS_CUDA_CHECK(cudaStreamSynchronize(r.stream));  // kernel faults surface here
  float ms = 0.0f;
  NS_CUDA_CHECK(cudaEventElapsedTime(&ms, r.start, r.stop));

  // Each job's share of the whole run, by token count (equal shares when there are none).
  const double seconds = double(ms) / 1000.0;
  const double total = double(batch.offsets[batch.num_jobs] - batch.offsets[0]);
  for (size_t i = 0; i < batch.num_jobs; i++)
    job_seconds[i] = total > 0 ? seconds * double(batch.length(i)) / total : seconds / double(batch.num_jobs);
}

}  // namespace

void run_batch(const BatchView& batch, const OpParams& params, void* out, double* job_seconds) {
  for (size_t i = 0; i < batch.num_jobs; i++) job_seconds[i] = 0.0;
  const BatchPlan plan = plan_batch(batch, params);
  if (batch.num_jobs == 0) return;

  // Host-side inputs that are not in the batch: the minhash coefficients (hashing.h).
  std::vector<uint64_t> a, b;
  if (params.op == Op::Minhash) minhash_coefficients(params.seed, params.num_perm, a, b);

  NS_CUDA_CHECK(cudaSetDevice(0));
  ThreadResources& r = tls;
  try {
    run_on(r, batch, params, plan, a, b, out, job_seconds);
  } catch (...) {
    r.release();  // a failed run may leave the stream or the buffer unusable: start afresh next time
    throw;
  }
  if (r.capacity > kKeepBytes) r.release_buffer();
}

}  // namespace ns::cuda
