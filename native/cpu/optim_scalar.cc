// Baseline (SSE2) build of the optimizer kernels: the portable path.
#define KILN_ISA isa_scalar
#include "optim_impl.h"

namespace kiln::detail {
extern const OptimKernels kOptimScalar = isa_scalar::kOptim;
}  // namespace kiln::detail
