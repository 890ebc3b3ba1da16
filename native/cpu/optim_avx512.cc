// AVX-512 build of the optimizer kernels (CMake gives this file the AVX-512 flags).
#define KILN_ISA isa_avx512
#include "optim_impl.h"

namespace kiln::detail {
extern const OptimKernels kOptimAvx512 = isa_avx512::kOptim;
}  // namespace kiln::detail
