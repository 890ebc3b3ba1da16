// AVX-512 build of the elementwise kernels (CMake gives this file the AVX-512 flags).
#define KILN_ISA isa_avx512
#include "elementwise_impl.h"

namespace kiln::detail {
extern const ElementwiseKernels kElementwiseAvx512 = isa_avx512::kElementwise;
}  // namespace kiln::detail
