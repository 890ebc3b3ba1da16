// AVX2+FMA microkernel, 6 x 16: 12 ymm accumulators + 2 B vectors + 1 broadcast of the
// 16 registers (the classic Haswell shape). Compiled with -mavx2 -mfma only in this file.
#include <immintrin.h>

#include "sgemm_kernels.h"

namespace kiln::detail {
namespace {

constexpr int kMr = 6;
constexpr int kNr = 16;

alignas(32) const int kMaskTable[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

inline __m256i tail_mask(int n) {  // first n lanes on, n in [0, 8]
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMaskTable + 8 - n));
}

void kernel(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, float alpha, float beta,
            int mr, int nr) {
  __m256 acc[kMr][2];
#pragma GCC unroll 6
  for (int r = 0; r < kMr; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_ps();

  for (int64_t p = 0; p < kc; ++p) {
    const __m256 b0 = _mm256_load_ps(b);
    const __m256 b1 = _mm256_load_ps(b + 8);
#pragma GCC unroll 6
    for (int r = 0; r < kMr; ++r) {
      const __m256 av = _mm256_broadcast_ss(a + r);
      acc[r][0] = _mm256_fmadd_ps(av, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(av, b1, acc[r][1]);
    }
    a += kMr;
    b += kNr;
  }

  const __m256i m0 = tail_mask(nr >= 8 ? 8 : nr);
  const __m256i m1 = tail_mask(nr >= 16 ? 8 : nr > 8 ? nr - 8 : 0);
  const __m256 va = _mm256_set1_ps(alpha);
  const __m256 vb = _mm256_set1_ps(beta);
#pragma GCC unroll 6
  for (int r = 0; r < kMr; ++r) {
    if (r >= mr) break;
    float* cr = c + r * ldc;
    __m256 v0 = _mm256_mul_ps(va, acc[r][0]);
    __m256 v1 = _mm256_mul_ps(va, acc[r][1]);
    if (beta != 0.0f) {
      v0 = _mm256_fmadd_ps(vb, _mm256_maskload_ps(cr, m0), v0);
      v1 = _mm256_fmadd_ps(vb, _mm256_maskload_ps(cr + 8, m1), v1);
    }
    _mm256_maskstore_ps(cr, m0, v0);
    _mm256_maskstore_ps(cr + 8, m1, v1);
  }
}

}  // namespace

const GemmKernel& gemm_kernel_avx2() {
  static const GemmKernel k{kMr, kNr, &kernel, "avx2-6x16"};
  return k;
}

}  // namespace kiln::detail
