// Collective kernels of one instruction set (collective_scalar.cc, collective_avx2.cc);
// collective.cc picks one per call. Pointers are byte pointers because wire buffers are
// message payloads with no alignment guarantee.
#pragma once
#include <cstdint>

namespace kiln::detail {

struct CollectiveKernels {
  void (*encode)(const float* src, uint8_t* dst, int64_t n, int wire);
  void (*decode)(const uint8_t* src, float* dst, int64_t n, int wire);
  void (*accumulate)(float* acc, const uint8_t* src, int64_t n, int wire, float scale, uint8_t* out);
};

extern const CollectiveKernels kCollectiveScalar;
extern const CollectiveKernels kCollectiveAvx2;

}  // namespace kiln::detail
