// AVX-512 microkernels. 12 x 32: 24 zmm accumulators + 2 B vectors + 1 broadcast fit the
// 32 registers, and every B load feeds 12 FMAs. 24 x 16 serves narrow outputs (n <= 16,
// e.g. a 10-class layer) where a 32-wide tile would waste most of its lanes.
// Compiled with AVX-512 flags only in this file.
#include <immintrin.h>

#include "sgemm_kernels.h"

namespace kiln::detail {
namespace {

template <int kMr, int kNv>
void kernel(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, float alpha, float beta,
            int mr, int nr) {
  constexpr int kNr = 16 * kNv;
  __m512 acc[kMr][kNv];
#pragma GCC unroll 24
  for (int r = 0; r < kMr; ++r)
#pragma GCC unroll 2
    for (int v = 0; v < kNv; ++v) acc[r][v] = _mm512_setzero_ps();

  for (int64_t p = 0; p < kc; ++p) {
    __m512 bv[kNv];
#pragma GCC unroll 2
    for (int v = 0; v < kNv; ++v) bv[v] = _mm512_load_ps(b + 16 * v);
    _mm_prefetch(reinterpret_cast<const char*>(b + 8 * kNr), _MM_HINT_T0);
#pragma GCC unroll 24
    for (int r = 0; r < kMr; ++r) {
      const __m512 av = _mm512_set1_ps(a[r]);
#pragma GCC unroll 2
      for (int v = 0; v < kNv; ++v) acc[r][v] = _mm512_fmadd_ps(av, bv[v], acc[r][v]);
    }
    a += kMr;
    b += kNr;
  }

  __mmask16 mask[kNv];
#pragma GCC unroll 2
  for (int v = 0; v < kNv; ++v) {
    const int lanes = nr - 16 * v;
    mask[v] = lanes >= 16 ? __mmask16(0xFFFF) : lanes > 0 ? __mmask16((1u << lanes) - 1u) : __mmask16(0);
  }
  const __m512 va = _mm512_set1_ps(alpha);
  const __m512 vb = _mm512_set1_ps(beta);
#pragma GCC unroll 24
  for (int r = 0; r < kMr; ++r) {
    if (r >= mr) break;
    float* cr = c + r * ldc;
#pragma GCC unroll 2
    for (int v = 0; v < kNv; ++v) {
      __m512 out = _mm512_mul_ps(va, acc[r][v]);
      if (beta != 0.0f) out = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask[v], cr + 16 * v), out);
      _mm512_mask_storeu_ps(cr + 16 * v, mask[v], out);
    }
  }
}

}  // namespace

const GemmKernel& gemm_kernel_avx512() {
  static const GemmKernel k{12, 32, &kernel<12, 2>, "avx512-12x32"};
  return k;
}

const GemmKernel& gemm_kernel_avx512_narrow() {
  static const GemmKernel k{24, 16, &kernel<24, 1>, "avx512-24x16"};
  return k;
}

}  // namespace kiln::detail
