// 8 x 8 transposes in AVX2 registers (unpack, shuffle, lane permute: 24 shuffles per
// 64 elements); edges go scalar. A panel of kPanel columns of x is swept 8 rows at a
// time: each x cache line is used whole, and the kPanel rows of y fill sequentially.
// (Square tiles thrash L1 when the row stride is a multiple of 4 KiB: every row of the
// tile lands in the same cache set.)
#include <immintrin.h>

#include "transpose_kernels.h"

namespace kiln::detail {
namespace {

constexpr int64_t kPanel = 16;

inline void block8(const float* x, int64_t ldx, float* y, int64_t ldy) {
  const __m256 r0 = _mm256_loadu_ps(x), r1 = _mm256_loadu_ps(x + ldx), r2 = _mm256_loadu_ps(x + 2 * ldx),
               r3 = _mm256_loadu_ps(x + 3 * ldx), r4 = _mm256_loadu_ps(x + 4 * ldx), r5 = _mm256_loadu_ps(x + 5 * ldx),
               r6 = _mm256_loadu_ps(x + 6 * ldx), r7 = _mm256_loadu_ps(x + 7 * ldx);
  const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3),
               t3 = _mm256_unpackhi_ps(r2, r3), t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
               t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  constexpr int kLo = _MM_SHUFFLE(1, 0, 1, 0), kHi = _MM_SHUFFLE(3, 2, 3, 2);
  const __m256 s0 = _mm256_shuffle_ps(t0, t2, kLo), s1 = _mm256_shuffle_ps(t0, t2, kHi),
               s2 = _mm256_shuffle_ps(t1, t3, kLo), s3 = _mm256_shuffle_ps(t1, t3, kHi),
               s4 = _mm256_shuffle_ps(t4, t6, kLo), s5 = _mm256_shuffle_ps(t4, t6, kHi),
               s6 = _mm256_shuffle_ps(t5, t7, kLo), s7 = _mm256_shuffle_ps(t5, t7, kHi);
  _mm256_storeu_ps(y, _mm256_permute2f128_ps(s0, s4, 0x20));
  _mm256_storeu_ps(y + ldy, _mm256_permute2f128_ps(s1, s5, 0x20));
  _mm256_storeu_ps(y + 2 * ldy, _mm256_permute2f128_ps(s2, s6, 0x20));
  _mm256_storeu_ps(y + 3 * ldy, _mm256_permute2f128_ps(s3, s7, 0x20));
  _mm256_storeu_ps(y + 4 * ldy, _mm256_permute2f128_ps(s0, s4, 0x31));
  _mm256_storeu_ps(y + 5 * ldy, _mm256_permute2f128_ps(s1, s5, 0x31));
  _mm256_storeu_ps(y + 6 * ldy, _mm256_permute2f128_ps(s2, s6, 0x31));
  _mm256_storeu_ps(y + 7 * ldy, _mm256_permute2f128_ps(s3, s7, 0x31));
}

}  // namespace

void transpose_2d_avx2(const uint32_t* xi, int64_t ldx, uint32_t* yi, int64_t ldy, int64_t ni, int64_t nj) {
  // The bits only move, so viewing them as floats is exact (no arithmetic touches them).
  const float* x = reinterpret_cast<const float*>(xi);
  float* y = reinterpret_cast<float*>(yi);
  for (int64_t j0 = 0; j0 < nj; j0 += kPanel) {
    const int64_t j1 = j0 + kPanel < nj ? j0 + kPanel : nj;
    const int64_t jfull = j0 + (j1 - j0) / 8 * 8;
    int64_t ib = 0;
    for (; ib + 8 <= ni; ib += 8)
      for (int64_t jb = j0; jb < jfull; jb += 8) block8(x + ib * ldx + jb, ldx, y + jb * ldy + ib, ldy);
    for (int64_t j = j0; j < jfull; ++j)
      for (int64_t i = ib; i < ni; ++i) yi[j * ldy + i] = xi[i * ldx + j];
    for (int64_t j = jfull; j < j1; ++j)
      for (int64_t i = 0; i < ni; ++i) yi[j * ldy + i] = xi[i * ldx + j];
  }
}

}  // namespace kiln::detail
