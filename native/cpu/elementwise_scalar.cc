// Baseline (SSE2) build of the elementwise kernels: the portable path, and what setSimd('scalar') runs.
#define KILN_ISA isa_scalar
#include "elementwise_impl.h"

namespace kiln::detail {
extern const ElementwiseKernels kElementwiseScalar = isa_scalar::kElementwise;
}  // namespace kiln::detail
