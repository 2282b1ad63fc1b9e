// Run-time choice of the CPU kernels: one build carries every variant and
// runs on any x86-64 (and, without the x86 variants, on arm64).
#include "cpu_dispatch.h"

namespace ns {

namespace {

bool has_avx512() {
#if defined(__x86_64__) || defined(_M_X64)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi2");
#else
  return false;
#endif
}

bool has_avx2() {
#if defined(__x86_64__) || defined(_M_X64)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi2");
#else
  return false;
#endif
}

const CpuKernels* table(const std::string& isa) {
#if defined(__x86_64__) || defined(_M_X64)
  if (isa == "avx512") return &kernels_avx512();
  if (isa == "avx2") return &kernels_avx2();
#endif
  if (isa == "portable") return &kernels_portable();
  return nullptr;
}

}  // namespace

std::vector<std::string> supported_isas() {
  std::vector<std::string> out;
  if (has_avx512()) out.push_back("avx512");
  if (has_avx2()) out.push_back("avx2");
  out.push_back("portable");
  return out;
}

IsaChoice choose_cpu_kernels(const std::string& wanted) {
  const auto isas = supported_isas();
  const std::string& best = isas.front();
  if (!wanted.empty()) {
    for (const auto& isa : isas)
      if (isa == wanted) return {table(isa), isa + ": as asked"};
    return {table(best), best + ": " + wanted + " was asked for but this CPU cannot run it"};
  }
  if (best == "avx512") return {table(best), "avx512: the CPU has AVX-512 F/DQ/BW/VL"};
  if (best == "avx2") return {table(best), has_avx512() ? "avx2" : "avx2: the CPU has AVX2 and FMA, not AVX-512"};
  return {table(best), "portable: the CPU has neither AVX2 nor AVX-512"};
}

}  // namespace ns
