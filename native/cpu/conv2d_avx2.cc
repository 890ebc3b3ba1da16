// AVX2 + FMA instantiation of the register kernels in conv_direct.h: 8 lanes, 16
// registers (6 pixels x 2 vectors of accumulators in the outer kernel, 6 x 2 in the
// gradient). Masked stores only for partial vectors: vmaskmovps stores are slow on AMD.
// Compiled with -mavx2 -mfma only in this file.
#include <immintrin.h>

#include "conv_direct.h"

namespace kiln::detail {
namespace {

alignas(32) const int kMaskTable[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

struct Avx2 {
  using V = __m256;
  struct M {
    __m256i bits;
    bool full;
  };
  static constexpr int L = 8;
  static constexpr int kOuterPixels = 6;  // 12 accumulators of 16 registers
  static constexpr int kGradRows = 6;
  static constexpr int kDotPixels = 8;

  static V zero() { return _mm256_setzero_ps(); }
  static V set1(float v) { return _mm256_set1_ps(v); }
  static V loadu(const float* p) { return _mm256_loadu_ps(p); }
  static V load(const M& m, const float* p) { return m.full ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, m.bits); }
  static void store(float* p, const M& m, V v) {
    if (m.full) _mm256_storeu_ps(p, v);
    else _mm256_maskstore_ps(p, m.bits, v);
  }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static M mask(int64_t n) {
    const int64_t k = n >= 8 ? 8 : n <= 0 ? 0 : n;
    return {_mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMaskTable + 8 - k)), k == 8};
  }

  // Horizontal sums of up to 8 vectors with a hadd tree, in order.
  template <int P>
  static inline __attribute__((always_inline)) void store_sums(const V* acc, float* y, int64_t y_step) {
    V in[8];
    KILN_UNROLL for (int i = 0; i < 8; ++i) in[i] = i < P ? acc[i < P ? i : 0] : zero();
    const V u0 = _mm256_hadd_ps(_mm256_hadd_ps(in[0], in[1]), _mm256_hadd_ps(in[2], in[3]));
    const V u1 = _mm256_hadd_ps(_mm256_hadd_ps(in[4], in[5]), _mm256_hadd_ps(in[6], in[7]));
    const V sums = _mm256_add_ps(_mm256_permute2f128_ps(u0, u1, 0x20), _mm256_permute2f128_ps(u0, u1, 0x31));
    if (y_step == 1) {
      store(y, mask(P), sums);
    } else {
      alignas(32) float s[8];
      _mm256_store_ps(s, sums);
      KILN_UNROLL for (int p = 0; p < P; ++p) y[p * y_step] = s[p];
    }
  }
};

}  // namespace

const ConvKernels& conv_kernels_avx2() { return direct_kernels<Avx2>(); }

}  // namespace kiln::detail
