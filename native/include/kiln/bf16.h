// bfloat16 (bf16) storage with fp32 arithmetic: conversions, and a GEMM whose inputs are
// bf16 and whose products accumulate in fp32 into an fp32 C (mixed precision: weights
// stay fp32 masters; activations and weights are rounded to bf16 for the products).
//   C[m x n] = alpha * op(A)[m x k] * op(B)[k x n] + beta * C     (A, B bf16; C fp32)
// Which kernel runs (bf16_kernel_name): AVX512-BF16's pair dot products (vdpbf16ps) where
// the CPU has them and KILN_SIMD allows avx512; the same pair-dot body on scalar lanes at
// KILN_SIMD=scalar; elsewhere (AVX2, AVX-512 without BF16) the inputs are widened to fp32
// (exact: a bf16 is the top half of an fp32) and sgemm runs. Every kernel's products are
// exact in fp32 (8-bit x 8-bit significands), so the kernels differ only in the order of
// their fp32 additions.
#pragma once
#include <cstdint>

#include "kiln/cpu_features.h"
#include "kiln/sgemm.h"

namespace kiln {

/// fp32 -> bf16, round to nearest even; NaN stays a (quiet) NaN, infinities stay.
void f32_to_bf16(const float* src, uint16_t* dst, int64_t n);
/// bf16 -> fp32 (exact).
void bf16_to_f32(const uint16_t* src, float* dst, int64_t n);

/// One bf16 GEMM (row strides in elements, as sgemm); beta == 0 never reads C.
void gemm_bf16(const GemmShape& s, float alpha, const uint16_t* a, const uint16_t* b, float beta, float* c);

/// Whether this CPU and OS run AVX512-BF16 (CPUID.7.1:EAX[5] beside AVX-512 F/DQ/BW/VL).
bool cpu_has_avx512_bf16();
/// The bf16 GEMM kernel a core with `level` (and AVX512-BF16 or not) runs; pure, so the
/// choice is testable for CPUs this one is not. gemm_bf16 uses
/// bf16_kernel_name(simd_level(), cpu_has_avx512_bf16()).
const char* bf16_kernel_name(SimdLevel level, bool avx512_bf16);

}  // namespace kiln
