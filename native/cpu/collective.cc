// Collective entry points: pick the kernels for the CPU, split large buffers over the
// thread pool (the trial's compute is idle while it waits on the network).
#include "kiln/collective.h"

#include "kiln/cpu_features.h"
#include "collective_kernels.h"
#include "parallel.h"

namespace kiln {
namespace {

const detail::CollectiveKernels& kernels() {
  return simd_level() >= SimdLevel::kAvx2 ? detail::kCollectiveAvx2 : detail::kCollectiveScalar;
}

}  // namespace

size_t wire_bytes(WireType t) { return t == WireType::kFloat32 ? 4 : 2; }

void wire_encode(const float* src, void* dst, int64_t n, WireType t) {
  const auto& k = kernels();
  auto* out = static_cast<uint8_t*>(dst);
  const size_t w = wire_bytes(t);
  detail::parallel_items(n, 1, [&](int64_t b, int64_t e) { k.encode(src + b, out + b * w, e - b, int(t)); });
}

void wire_decode(const void* src, float* dst, int64_t n, WireType t) {
  const auto& k = kernels();
  const auto* in = static_cast<const uint8_t*>(src);
  const size_t w = wire_bytes(t);
  detail::parallel_items(n, 1, [&](int64_t b, int64_t e) { k.decode(in + b * w, dst + b, e - b, int(t)); });
}

void wire_accumulate(float* acc, const void* src, int64_t n, WireType t, float scale, void* out) {
  const auto& k = kernels();
  const auto* in = static_cast<const uint8_t*>(src);
  auto* o = static_cast<uint8_t*>(out);
  const size_t w = wire_bytes(t);
  detail::parallel_items(n, 2, [&](int64_t b, int64_t e) {
    k.accumulate(acc + b, in + b * w, e - b, int(t), scale, o ? o + b * w : nullptr);
  });
}

}  // namespace kiln
