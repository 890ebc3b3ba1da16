// AVX-512 build of the NN kernels (CMake gives this file the AVX-512 flags).
#define KILN_ISA isa_avx512
#include "nn_impl.h"

namespace kiln::detail {
extern const NnKernels kNnAvx512 = isa_avx512::kNn;
}  // namespace kiln::detail
