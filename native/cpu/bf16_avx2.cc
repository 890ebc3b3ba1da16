// bf16 <-> fp32 conversions compiled for AVX2 (the loops of bf16_kernels.h, vectorized
// by the compiler 8 lanes wide; bit-identical to the scalar build).
#include "bf16_kernels.h"

namespace kiln::detail {

void f32_to_bf16_avx2(const float* src, uint16_t* dst, int64_t n) { f32_to_bf16_loop(src, dst, n); }
void bf16_to_f32_avx2(const uint16_t* src, float* dst, int64_t n) { bf16_to_f32_loop(src, dst, n); }

}  // namespace kiln::detail
