// Baseline (SSE2) build of the collective kernels: fp16 converts element by element.
#include <cstdint>

namespace kiln::isa_scalar {
namespace {
int64_t half_encode_block(const float*, uint8_t*, int64_t) { return 0; }
int64_t half_decode_block(const uint8_t*, float*, int64_t) { return 0; }
int64_t half_accumulate_block(float*, const uint8_t*, int64_t, float, uint8_t*) { return 0; }
}  // namespace
}  // namespace kiln::isa_scalar

#define KILN_ISA isa_scalar
#include "collective_impl.h"

namespace kiln::detail {
extern const CollectiveKernels kCollectiveScalar = isa_scalar::kCollective;
}  // namespace kiln::detail
