// AVX-512 build of the reduction kernels (CMake gives this file the AVX-512 flags).
#define KILN_ISA isa_avx512
#include "reduce_impl.h"

namespace kiln::detail {
extern const ReduceKernels kReduceAvx512 = isa_avx512::kReduce;
}  // namespace kiln::detail
