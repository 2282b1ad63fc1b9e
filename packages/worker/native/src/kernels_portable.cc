// The CPU kernels compiled for portable; binding.gyp sets this file's -m flags.
#define NS_ISA_NAME "portable"
#define NS_ISA_NAMESPACE isa_portable
#include "kernels_impl.h"

namespace ns {
const CpuKernels& kernels_portable() { return isa_portable::table(); }
}  // namespace ns
