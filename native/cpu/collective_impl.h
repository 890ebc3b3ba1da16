// Collective kernel bodies, compiled once per instruction set: define KILN_ISA and the
// three block hooks first. A hook converts the leading elements it can do with SIMD
// and returns how many it did; the loops here finish the rest (all of it in the
// portable build). fp-contract=off: (acc + x) * scale rounds twice, like the reference.
#pragma GCC optimize("fp-contract=off", "no-trapping-math")

#include <cstdint>
#include <cstring>

#include "collective_convert.h"
#include "collective_kernels.h"

namespace kiln {
namespace KILN_ISA {
namespace {

using detail::from_bfloat;
using detail::from_half;
using detail::load_f32;
using detail::load_u16;
using detail::store_f32;
using detail::store_u16;
using detail::to_bfloat;
using detail::to_half;

constexpr int kF32 = 0, kF16 = 1;

void encode(const float* __restrict src, uint8_t* __restrict dst, int64_t n, int wire) {
  if (wire == kF32) {
    std::memcpy(dst, src, size_t(n) * 4);
    return;
  }
  if (wire == kF16) {
    for (int64_t i = half_encode_block(src, dst, n); i < n; ++i) store_u16(dst + 2 * i, to_half(src[i]));
    return;
  }
  for (int64_t i = 0; i < n; ++i) store_u16(dst + 2 * i, to_bfloat(src[i]));
}

void decode(const uint8_t* __restrict src, float* __restrict dst, int64_t n, int wire) {
  if (wire == kF32) {
    std::memcpy(dst, src, size_t(n) * 4);
    return;
  }
  if (wire == kF16) {
    for (int64_t i = half_decode_block(src, dst, n); i < n; ++i) dst[i] = from_half(load_u16(src + 2 * i));
    return;
  }
  for (int64_t i = 0; i < n; ++i) dst[i] = from_bfloat(load_u16(src + 2 * i));
}

void accumulate_f32(float* __restrict acc, const uint8_t* __restrict src, int64_t n, float scale,
                    uint8_t* __restrict out) {
  if (out) {
    for (int64_t i = 0; i < n; ++i) {
      const float v = (acc[i] + load_f32(src + 4 * i)) * scale;
      acc[i] = v;
      store_f32(out + 4 * i, v);
    }
  } else {
    for (int64_t i = 0; i < n; ++i) acc[i] = (acc[i] + load_f32(src + 4 * i)) * scale;
  }
}

void accumulate_bf16(float* __restrict acc, const uint8_t* __restrict src, int64_t n, float scale,
                     uint8_t* __restrict out) {
  if (out) {
    for (int64_t i = 0; i < n; ++i) {
      const uint16_t b = to_bfloat((acc[i] + from_bfloat(load_u16(src + 2 * i))) * scale);
      store_u16(out + 2 * i, b);
      acc[i] = from_bfloat(b);
    }
  } else {
    for (int64_t i = 0; i < n; ++i) acc[i] = (acc[i] + from_bfloat(load_u16(src + 2 * i))) * scale;
  }
}

void accumulate(float* __restrict acc, const uint8_t* __restrict src, int64_t n, int wire, float scale,
                uint8_t* __restrict out) {
  if (wire == kF32) return accumulate_f32(acc, src, n, scale, out);
  if (wire != kF16) return accumulate_bf16(acc, src, n, scale, out);
  int64_t i = half_accumulate_block(acc, src, n, scale, out);
  for (; i < n; ++i) {
    float v = (acc[i] + from_half(load_u16(src + 2 * i))) * scale;
    if (out) {
      const uint16_t h = to_half(v);
      store_u16(out + 2 * i, h);
      v = from_half(h);
    }
    acc[i] = v;
  }
}

}  // namespace

const detail::CollectiveKernels kCollective = {encode, decode, accumulate};

}  // namespace KILN_ISA
}  // namespace kiln
