// AVX2 + FMA build of the NN kernels (CMake gives this file -mavx2 -mfma).
#define KILN_ISA isa_avx2
#include "nn_impl.h"

namespace kiln::detail {
extern const NnKernels kNnAvx2 = isa_avx2::kNn;
}  // namespace kiln::detail
