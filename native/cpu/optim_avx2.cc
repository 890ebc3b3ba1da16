// AVX2 + FMA build of the optimizer kernels (CMake gives this file -mavx2 -mfma).
#define KILN_ISA isa_avx2
#include "optim_impl.h"

namespace kiln::detail {
extern const OptimKernels kOptimAvx2 = isa_avx2::kOptim;
}  // namespace kiln::detail
