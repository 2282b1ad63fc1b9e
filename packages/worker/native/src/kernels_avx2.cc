// The CPU kernels compiled for avx2; binding.gyp sets this file's -m flags.
#define NS_ISA_NAME "avx2"
#define NS_ISA_NAMESPACE isa_avx2
#include "kernels_impl.h"

namespace ns {
const CpuKernels& kernels_avx2() { return isa_avx2::table(); }
}  // namespace ns
