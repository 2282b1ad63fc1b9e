// The Node-API surface of the kernels. Everything crossing from JS is checked
// and copied here on the main thread; the batch then runs off the event loop
// in an AsyncWorker (on the thread pool), and the result comes back as one
// typed array. Errors reject the promise or throw a JS error; nothing aborts.
#include <napi.h>

#include <chrono>
#include <cstring>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "batch.h"
#include "cpu_backend.h"
#include "cpu_dispatch.h"
#include "cuda/cuda_backend.h"
#include "cuda/launch_plan.h"
#include "thread_pool.h"

namespace ns {
namespace {

constexpr size_t kMaxAttentionLength = 262144;    // O(n²): longer would run for hours
constexpr size_t kMaxAttentionElements = 1 << 27;  // n · dim, per projected matrix (512 MiB of floats)

struct Runtime {
  std::unique_ptr<ThreadPool> pool;
  IsaChoice cpu{nullptr, ""};
  bool use_cuda = false;
  std::string name, reason;
  cuda::Probe cuda_probe;
};

std::mutex runtime_mu;
std::shared_ptr<Runtime> runtime;

std::shared_ptr<Runtime> make_runtime(unsigned threads, const std::string& isa, bool force_cpu) {
  auto rt = std::make_shared<Runtime>();
  rt->pool = std::make_unique<ThreadPool>(threads ? threads : std::max(1u, std::thread::hardware_concurrency()));
  rt->cpu = choose_cpu_kernels(isa);
  const std::string cpu_name = std::string("cpu-") + rt->cpu.kernels->isa;
  rt->cuda_probe = cuda::probe();
  if (force_cpu) {
    rt->name = cpu_name;
    rt->reason = "cuda: not used (NIGHTSHIFT_FORCE_CPU) → " + cpu_name + " (" + rt->cpu.reason + ")";
  } else if (rt->cuda_probe.usable) {
    rt->use_cuda = true;
    rt->name = "cuda";
    rt->reason = "cuda: " + rt->cuda_probe.device;
  } else {
    rt->name = cpu_name;
    rt->reason = "cuda: " + rt->cuda_probe.reason + " → " + cpu_name + " (" + rt->cpu.reason + ")";
  }
  return rt;
}

bool env_true(const char* name) {
  const char* v = std::getenv(name);
  return v && *v && std::string(v) != "0" && std::string(v) != "false";
}

std::shared_ptr<Runtime> current() {
  std::lock_guard<std::mutex> lock(runtime_mu);
  if (!runtime) runtime = make_runtime(0, "", env_true("NIGHTSHIFT_FORCE_CPU"));
  return runtime;
}

Napi::Object describe(Napi::Env env, const Runtime& rt) {
  auto o = Napi::Object::New(env);
  o.Set("name", rt.name);
  o.Set("reason", rt.reason);
  o.Set("isa", rt.cpu.kernels->isa);
  o.Set("threads", rt.pool->size());
  auto c = Napi::Object::New(env);
  c.Set("built", cuda::built());
  c.Set("usable", rt.cuda_probe.usable);
  c.Set("reason", rt.cuda_probe.reason);
  c.Set("device", rt.cuda_probe.device);
  o.Set("cuda", c);
  return o;
}

// init({ threads?, isa?, forceCpu? }): (re)creates the pool and chooses the backend.
Napi::Value Init(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  unsigned threads = 0;
  std::string isa;
  bool force_cpu = env_true("NIGHTSHIFT_FORCE_CPU");
  if (info.Length() > 0 && info[0].IsObject()) {
    auto o = info[0].As<Napi::Object>();
    if (o.Has("threads") && !o.Get("threads").IsUndefined()) {
      const double t = o.Get("threads").ToNumber().DoubleValue();
      if (!(t >= 1 && t <= 1024)) throw Napi::RangeError::New(env, "threads: must be between 1 and 1024");
      threads = unsigned(t);
    }
    if (o.Has("isa") && o.Get("isa").IsString()) isa = o.Get("isa").As<Napi::String>().Utf8Value();
    if (o.Has("forceCpu") && o.Get("forceCpu").IsBoolean()) force_cpu = force_cpu || o.Get("forceCpu").As<Napi::Boolean>().Value();
  }
  auto rt = make_runtime(threads, isa, force_cpu);
  {
    std::lock_guard<std::mutex> lock(runtime_mu);
    runtime = rt;
  }
  return describe(env, *rt);
}

Napi::Value Backend(const Napi::CallbackInfo& info) { return describe(info.Env(), *current()); }

Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto o = Napi::Object::New(env);
  o.Set("cuda", cuda::built());
  auto archs = Napi::Array::New(env);
  for (int a : cuda::archs()) archs.Set(archs.Length(), a);
  o.Set("cudaArchs", archs);
  auto isas = Napi::Array::New(env);
  for (const auto& s : supported_isas()) isas.Set(isas.Length(), s);
  o.Set("cpuIsas", isas);
#if defined(__x86_64__) || defined(_M_X64)
  o.Set("compiledIsas", std::string("avx512,avx2,portable"));
#else
  o.Set("compiledIsas", std::string("portable"));
#endif
  return o;
}

uint32_t param_u32(Napi::Env env, Napi::Object p, const char* name, uint32_t lo, uint32_t hi) {
  const auto v = p.Get(name);
  if (!v.IsNumber()) throw Napi::TypeError::New(env, std::string("params.") + name + ": must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= lo && d <= hi) || d != double(uint32_t(d)))
    throw Napi::RangeError::New(env, std::string("params.") + name + ": must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  return uint32_t(d);
}

OpParams read_params(Napi::Env env, const std::string& op, Napi::Object p) {
  OpParams out{};
  if (op == "minhash") {
    out.op = Op::Minhash;
    out.num_perm = param_u32(env, p, "numPerm", 1, 1024);
    out.shingle = param_u32(env, p, "shingle", 1, 256);
  } else if (op == "embed" || op == "attention") {
    out.op = op == "embed" ? Op::Embed : Op::Attention;
    out.dim = param_u32(env, p, "dim", 8, 4096);
  } else {
    throw Napi::TypeError::New(env, "op: unknown op \"" + op + "\" (known: minhash, embed, attention)");
  }
  const auto seed = p.Get("seed");
  if (!seed.IsBigInt()) throw Napi::TypeError::New(env, "params.seed: must be a bigint from 0 to 2^64-1");
  bool lossless = false;
  out.seed = seed.As<Napi::BigInt>().Uint64Value(&lossless);
  if (!lossless) throw Napi::RangeError::New(env, "params.seed: must be a bigint from 0 to 2^64-1");
  return out;
}

// The inputs of one call. The offsets are copied (and checked) here; the tokens are read in place
// from the caller's array, which `keep` holds alive until the call returns. Copying them cost a
// big batch most of its call, on the event loop (the H200 run of scripts/gpu-check.sh). A caller
// that wrote into its array during the call would change only its own results: every index
// comes from the copied offsets, checked against the array's length. The caller must not transfer
// (detach) the array's buffer while the call runs; nightshift's callers never transfer one.
struct BatchInput {
  const uint32_t* tokens = nullptr;
  size_t num_tokens = 0;
  std::vector<uint32_t> offsets;
  OpParams params;
  Napi::ObjectReference keep;
  BatchView view() const { return {tokens, num_tokens, offsets.data(), offsets.size() - 1}; }
};

BatchInput read_batch(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (info.Length() < 4 || !info[0].IsString() || !info[1].IsObject() || !info[2].IsTypedArray() || !info[3].IsTypedArray())
    throw Napi::TypeError::New(env, "runBatch(op: string, params: object, tokens: Uint32Array, offsets: Uint32Array)");
  BatchInput in;
  in.params = read_params(env, info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::Object>());
  auto tokens = info[2].As<Napi::TypedArray>();
  auto offsets = info[3].As<Napi::TypedArray>();
  if (tokens.TypedArrayType() != napi_uint32_array) throw Napi::TypeError::New(env, "tokens: must be a Uint32Array");
  if (offsets.TypedArrayType() != napi_uint32_array) throw Napi::TypeError::New(env, "offsets: must be a Uint32Array");
  auto t = tokens.As<Napi::Uint32Array>();
  auto o = offsets.As<Napi::Uint32Array>();
  in.tokens = t.Data();
  in.num_tokens = t.ElementLength();
  in.keep = Napi::Persistent(static_cast<Napi::Object>(t));
  in.offsets.assign(o.Data(), o.Data() + o.ElementLength());
  if (in.offsets.empty() || in.offsets[0] != 0) throw Napi::RangeError::New(env, "offsets: must start with 0");
  for (size_t i = 1; i < in.offsets.size(); i++)
    if (in.offsets[i] < in.offsets[i - 1]) throw Napi::RangeError::New(env, "offsets: must not decrease (entry " + std::to_string(i) + ")");
  if (in.offsets.back() != in.num_tokens) throw Napi::RangeError::New(env, "offsets: the last entry must equal tokens.length");
  if (in.params.op == Op::Attention) {
    for (size_t i = 0; i + 1 < in.offsets.size(); i++) {
      const size_t n = in.offsets[i + 1] - in.offsets[i];
      if (n > kMaxAttentionLength || n * in.params.dim > kMaxAttentionElements)
        throw Napi::RangeError::New(env, "tokens: an attention sequence of " + std::to_string(n) + " tokens at dim " +
                                             std::to_string(in.params.dim) + " is above the addon's limit (" +
                                             std::to_string(kMaxAttentionLength) + " tokens, " + std::to_string(kMaxAttentionElements) + " tokens × dim)");
    }
  }
  return in;
}

class BatchWorker : public Napi::AsyncWorker {
 public:
  BatchWorker(Napi::Env env, BatchInput in, std::shared_ptr<Runtime> rt, const CpuKernels* kernels, bool use_cuda)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), in_(std::move(in)), rt_(std::move(rt)),
        kernels_(kernels), use_cuda_(use_cuda) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    const auto view = in_.view();
    const size_t elems = view.num_jobs * result_len(in_.params);
    const auto t0 = std::chrono::steady_clock::now();
    try {
      out_.assign(elems * 4, 0);
      seconds_per_job_.assign(view.num_jobs, 0.0);
      backend_ = use_cuda_ ? "cuda" : std::string("cpu-") + kernels_->isa;
      if (view.num_jobs > 0) {
        if (use_cuda_) {
          try {
            cuda::run_batch(view, in_.params, out_.data(), seconds_per_job_.data());
          } catch (const std::exception& e) {
            // A device failure costs this batch its speed, not its result.
            backend_ = std::string("cpu-") + kernels_->isa + " (cuda failed: " + e.what() + ")";
            run_cpu_batch(*kernels_, *rt_->pool, view, in_.params, out_.data(), seconds_per_job_.data());
          }
        } else {
          run_cpu_batch(*kernels_, *rt_->pool, view, in_.params, out_.data(), seconds_per_job_.data());
        }
      }
    } catch (const std::bad_alloc&) {
      SetError("out of memory running a batch of " + std::to_string(view.num_jobs) + " jobs and " + std::to_string(view.num_tokens) + " tokens");
    } catch (const std::exception& e) {
      SetError(e.what());
    }
    seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }

  void OnOK() override {
    auto env = Env();
    const size_t elems = out_.size() / 4;
    auto buf = Napi::ArrayBuffer::New(env, out_.size());
    if (!out_.empty()) std::memcpy(buf.Data(), out_.data(), out_.size());
    auto res = Napi::Object::New(env);
    if (in_.params.op == Op::Minhash) res.Set("out", Napi::Uint32Array::New(env, elems, buf, 0));
    else res.Set("out", Napi::Float32Array::New(env, elems, buf, 0));
    auto secs = Napi::Float64Array::New(env, seconds_per_job_.size());
    for (size_t i = 0; i < seconds_per_job_.size(); i++) secs[i] = seconds_per_job_[i];
    res.Set("jobSeconds", secs);
    res.Set("seconds", seconds_);
    res.Set("backend", backend_);
    deferred_.Resolve(res);
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  BatchInput in_;
  std::shared_ptr<Runtime> rt_;
  const CpuKernels* kernels_;
  bool use_cuda_;
  std::vector<uint8_t> out_;
  std::vector<double> seconds_per_job_;
  double seconds_ = 0;
  std::string backend_;
};

// runBatch(op, params, tokens, offsets, { isa?, device? }) → Promise<{ out, jobSeconds, seconds, backend }>
Napi::Value RunBatch(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  BatchInput in = read_batch(info);
  auto rt = current();
  const CpuKernels* kernels = rt->cpu.kernels;
  bool use_cuda = rt->use_cuda;
  if (info.Length() > 4 && info[4].IsObject()) {
    auto o = info[4].As<Napi::Object>();
    if (o.Has("isa") && o.Get("isa").IsString()) {
      const auto wanted = o.Get("isa").As<Napi::String>().Utf8Value();
      auto choice = choose_cpu_kernels(wanted);
      if (std::string(choice.kernels->isa) != wanted) throw Napi::RangeError::New(env, "isa: " + choice.reason);
      kernels = choice.kernels;
      use_cuda = false;
    }
    // { device: "cuda" } tries the CUDA path even when the probe found no device: the test of
    // what happens when a device fails (the batch reruns on the CPU).
    if (o.Has("device") && o.Get("device").IsString() && o.Get("device").As<Napi::String>().Utf8Value() == "cuda") {
      if (!cuda::built()) throw Napi::Error::New(env, "device: cuda was asked for but this addon was built without CUDA");
      use_cuda = true;
    }
  }
  auto* worker = new BatchWorker(env, std::move(in), rt, kernels, use_cuda);
  auto promise = worker->Promise();
  worker->Queue();
  return promise;
}

// probeFma(iterationsPerThread, threads?, isa?) → { flops, seconds }: this machine's FMA peak.
Napi::Value ProbeFma(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const double iters = info.Length() > 0 ? info[0].ToNumber().DoubleValue() : 1e8;
  auto rt = current();
  const unsigned threads = info.Length() > 1 && info[1].IsNumber() ? unsigned(info[1].ToNumber().Uint32Value()) : rt->pool->size();
  const CpuKernels* k = info.Length() > 2 && info[2].IsString() ? choose_cpu_kernels(info[2].As<Napi::String>().Utf8Value()).kernels : rt->cpu.kernels;
  std::vector<double> flops(threads, 0.0);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> ts;
  for (unsigned i = 0; i < threads; i++) ts.emplace_back([&, i] { flops[i] = k->fma_probe(uint64_t(iters)); });
  for (auto& t : ts) t.join();
  auto o = Napi::Object::New(env);
  double total = 0;
  for (double f : flops) total += f;
  o.Set("flops", total);
  o.Set("seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return o;
}

// probeRead(bytesPerThread, threads?, rounds?) → { bytes, seconds }: memory-read bandwidth.
Napi::Value ProbeRead(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const size_t bytes = size_t(info.Length() > 0 ? info[0].ToNumber().DoubleValue() : 256.0 * (1 << 20));
  auto rt = current();
  const unsigned threads = info.Length() > 1 && info[1].IsNumber() ? unsigned(info[1].ToNumber().Uint32Value()) : rt->pool->size();
  const unsigned rounds = info.Length() > 2 && info[2].IsNumber() ? info[2].ToNumber().Uint32Value() : 4;
  std::vector<std::vector<uint8_t>> bufs(threads);
  for (auto& b : bufs) b.assign(bytes, 1);
  std::vector<uint64_t> sums(threads, 0);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> ts;
  for (unsigned i = 0; i < threads; i++)
    ts.emplace_back([&, i] {
      for (unsigned r = 0; r < rounds; r++) sums[i] += rt->cpu.kernels->read_probe(bufs[i].data(), bytes);
    });
  for (auto& t : ts) t.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  uint64_t check = 0;
  for (auto s : sums) check += s;
  auto o = Napi::Object::New(env);
  o.Set("bytes", double(bytes) * threads * rounds);
  o.Set("seconds", secs);
  o.Set("checksum", double(check % 1000003));
  return o;
}

// cudaDevice() → what device 0 is (name, compute capability, multiprocessors, clock, memory, driver
// and runtime versions, nominal FP32 peak), or why there is none. Probes afresh on each call.
Napi::Value CudaDevice(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const cuda::DeviceInfo d = cuda::device_info();
  auto o = Napi::Object::New(env);
  o.Set("built", cuda::built());
  o.Set("usable", d.usable);
  o.Set("reason", d.reason);
  o.Set("name", d.name);
  o.Set("computeCapability", std::to_string(d.cc_major) + "." + std::to_string(d.cc_minor));
  o.Set("multiprocessors", d.multiprocessors);
  o.Set("clockKHz", d.clock_khz);
  o.Set("fp32LanesPerSm", d.fp32_lanes_per_sm);
  o.Set("fp32PeakFlops", d.fp32_peak_flops);
  o.Set("memoryBytes", double(d.memory_bytes));
  o.Set("l2Bytes", double(d.l2_bytes));
  o.Set("driverVersion", d.driver_version);
  o.Set("runtimeVersion", d.runtime_version);
  return o;
}

// cudaPlan(op, params, tokens, offsets) → the launch plan the CUDA path would use (host code only).
Napi::Value CudaPlan(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  BatchInput in = read_batch(info);
  const auto p = cuda::plan_launch(in.view(), in.params);
  auto o = Napi::Object::New(env);
  o.Set("gridX", p.grid_x);
  o.Set("gridY", p.grid_y);
  o.Set("blockX", p.block_x);
  o.Set("sharedBytes", double(p.shared_bytes));
  o.Set("tokensOffset", double(p.tokens_offset));
  o.Set("offsetsOffset", double(p.offsets_offset));
  o.Set("coeffsOffset", double(p.coeffs_offset));
  o.Set("outOffset", double(p.out_offset));
  o.Set("scratchOffset", double(p.scratch_offset));
  o.Set("deviceBytes", double(p.device_bytes));
  return o;
}

Napi::Object Module(Napi::Env env, Napi::Object exports) {
  exports.Set("init", Napi::Function::New(env, Init));
  exports.Set("backend", Napi::Function::New(env, Backend));
  exports.Set("buildInfo", Napi::Function::New(env, BuildInfo));
  exports.Set("runBatch", Napi::Function::New(env, RunBatch));
  exports.Set("probeFma", Napi::Function::New(env, ProbeFma));
  exports.Set("probeRead", Napi::Function::New(env, ProbeRead));
  exports.Set("cudaPlan", Napi::Function::New(env, CudaPlan));
  exports.Set("cudaDevice", Napi::Function::New(env, CudaDevice));
  return exports;
}

}  // namespace
}  // namespace ns

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return ns::Module(env, exports); }

NODE_API_MODULE(nightshift_kernels, InitModule)
