// AVX2 + FMA build of the reduction kernels (CMake gives this file -mavx2 -mfma).
#define KILN_ISA isa_avx2
#include "reduce_impl.h"

namespace kiln::detail {
extern const ReduceKernels kReduceAvx2 = isa_avx2::kReduce;
}  // namespace kiln::detail
