// AVX-512 instantiation of the register kernels in conv_direct.h: 16 lanes, 32 registers
// (12 pixels x 2 vectors of accumulators in the outer kernel, 12 x 2 in the gradient).
// Compiled with -mavx512f only in this file.
#include <immintrin.h>

#include "conv_direct.h"

namespace kiln::detail {
namespace {

// Lane l of reduce16's result is the sum of input vector kPerm[l] (an involution).
constexpr int kPerm[16] = {0, 2, 1, 3, 8, 10, 9, 11, 4, 6, 5, 7, 12, 14, 13, 15};

// 16 vectors to one vector of their horizontal sums in 15 shuffle+add pairs.
// (maskz_ shuffles with a full mask: the plain forms trip GCC 12's -Wuninitialized.)
inline __attribute__((always_inline)) __m512 reduce16(const __m512* v) {
  __m512 w[8], x[4], y[2];
  KILN_UNROLL for (int i = 0; i < 8; ++i) w[i] =
      _mm512_add_ps(_mm512_maskz_shuffle_f32x4(0xFFFF, v[i], v[i + 8], 0x44),
                    _mm512_maskz_shuffle_f32x4(0xFFFF, v[i], v[i + 8], 0xEE));
  KILN_UNROLL for (int i = 0; i < 4; ++i) x[i] =
      _mm512_add_ps(_mm512_maskz_shuffle_f32x4(0xFFFF, w[i], w[i + 4], 0x88),
                    _mm512_maskz_shuffle_f32x4(0xFFFF, w[i], w[i + 4], 0xDD));
  KILN_UNROLL for (int i = 0; i < 2; ++i) y[i] =
      _mm512_add_ps(_mm512_shuffle_ps(x[i], x[i + 2], 0x44), _mm512_shuffle_ps(x[i], x[i + 2], 0xEE));
  return _mm512_add_ps(_mm512_shuffle_ps(y[0], y[1], 0x88), _mm512_shuffle_ps(y[0], y[1], 0xDD));
}

struct Avx512 {
  using V = __m512;
  using M = __mmask16;
  static constexpr int L = 16;
  static constexpr int kOuterPixels = 12;  // 24 accumulators of 32 registers
  static constexpr int kGradRows = 12;
  static constexpr int kDotPixels = 16;

  static V zero() { return _mm512_setzero_ps(); }
  static V set1(float v) { return _mm512_set1_ps(v); }
  static V loadu(const float* p) { return _mm512_loadu_ps(p); }
  static V load(M m, const float* p) { return _mm512_maskz_loadu_ps(m, p); }
  static void store(float* p, M m, V v) { _mm512_mask_storeu_ps(p, m, v); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static M mask(int64_t n) { return n >= 16 ? M(0xFFFF) : n <= 0 ? M(0) : M((1u << n) - 1u); }

  template <int P>
  static inline __attribute__((always_inline)) void store_sums(const V* acc, float* y, int64_t y_step) {
    V in[16];
    KILN_UNROLL for (int i = 0; i < 16; ++i) in[i] = kPerm[i] < P ? acc[kPerm[i] < P ? kPerm[i] : 0] : zero();
    const V sums = reduce16(in);
    if (y_step == 1) {
      store(y, mask(P), sums);
    } else {
      alignas(64) float s[16];
      _mm512_store_ps(s, sums);
      KILN_UNROLL for (int p = 0; p < P; ++p) y[p * y_step] = s[p];
    }
  }
};

}  // namespace

const ConvKernels& conv_kernels_avx512() { return direct_kernels<Avx512>(); }

}  // namespace kiln::detail
