// AVX2 + FMA build of the elementwise kernels (CMake gives this file -mavx2 -mfma).
#define KILN_ISA isa_avx2
#include "elementwise_impl.h"

namespace kiln::detail {
extern const ElementwiseKernels kElementwiseAvx2 = isa_avx2::kElementwise;
}  // namespace kiln::detail
