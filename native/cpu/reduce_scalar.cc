// Baseline (SSE2) build of the reduction kernels: the portable path.
#define KILN_ISA isa_scalar
#include "reduce_impl.h"

namespace kiln::detail {
extern const ReduceKernels kReduceScalar = isa_scalar::kReduce;
}  // namespace kiln::detail
