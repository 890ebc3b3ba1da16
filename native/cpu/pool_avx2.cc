// AVX2 instantiation of the pooling loop nests in pool_simd.h: 8 channels per vector.
// Masked stores only for partial vectors: vmaskmovps stores are slow on AMD.
#include <immintrin.h>

#include "pool_simd.h"

namespace kiln::detail {
namespace {

alignas(32) const int kMaskTable[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

struct Avx2 {
  using V = __m256;
  struct M {
    __m256i bits;
    bool full;
  };
  using C = __m256;
  static constexpr int L = 8;
  static V zero() { return _mm256_setzero_ps(); }
  static V set1(float v) { return _mm256_set1_ps(v); }
  static V load(const M& m, const float* p) { return m.full ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, m.bits); }
  static void store(float* p, const M& m, V v) {
    if (m.full) _mm256_storeu_ps(p, v);
    else _mm256_maskstore_ps(p, m.bits, v);
  }
  static V max(V a, V b) { return _mm256_max_ps(a, b); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V div(V a, V b) { return _mm256_div_ps(a, b); }
  static C gt(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
  static C eq(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
  static V select(C c, V t, V f) { return _mm256_blendv_ps(f, t, c); }
  static M mask(int64_t n) {
    const int64_t k = n >= 8 ? 8 : n <= 0 ? 0 : n;
    return {_mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMaskTable + 8 - k)), k == 8};
  }
};

}  // namespace

const PoolKernels& pool_kernels_avx2() { return simd_pool_kernels<Avx2>(); }

}  // namespace kiln::detail
