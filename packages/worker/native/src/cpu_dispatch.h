#pragma once
#include <string>
#include <vector>
#include "kernels.h"

namespace ns {

struct IsaChoice {
  const CpuKernels* kernels;
  std::string reason;  // why this one, e.g. "avx2: no avx512f on this CPU"
};

// The best kernel table this CPU runs. `wanted` ("avx512", "avx2", "portable" or empty for the
// best) may only ask for one the CPU supports; otherwise the best supported one is used and the
// reason says so.
IsaChoice choose_cpu_kernels(const std::string& wanted);

// The kernel tables this CPU can run, best first.
std::vector<std::string> supported_isas();

}  // namespace ns
