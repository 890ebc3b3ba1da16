// Baseline (SSE2) build of the NN kernels: the portable path.
#define KILN_ISA isa_scalar
#include "nn_impl.h"

namespace kiln::detail {
extern const NnKernels kNnScalar = isa_scalar::kNn;
}  // namespace kiln::detail
