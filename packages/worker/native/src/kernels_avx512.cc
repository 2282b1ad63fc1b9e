// The CPU kernels compiled for avx512; binding.gyp sets this file's -m flags.
#define NS_ISA_NAME "avx512"
#define NS_ISA_NAMESPACE isa_avx512
#include "kernels_impl.h"

namespace ns {
const CpuKernels& kernels_avx512() { return isa_avx512::table(); }
}  // namespace ns
