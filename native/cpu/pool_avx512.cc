// AVX-512 instantiation of the pooling loop nests in pool_simd.h: 16 channels per vector.
#include <immintrin.h>

#include "pool_simd.h"

namespace kiln::detail {
namespace {

struct Avx512 {
  using V = __m512;
  using M = __mmask16;
  using C = __mmask16;
  static constexpr int L = 16;
  static V zero() { return _mm512_setzero_ps(); }
  static V set1(float v) { return _mm512_set1_ps(v); }
  static V load(M m, const float* p) { return _mm512_maskz_loadu_ps(m, p); }
  static void store(float* p, M m, V v) { _mm512_mask_storeu_ps(p, m, v); }
  // (maskz_ with a full mask: the plain form trips GCC 12's -Wmaybe-uninitialized.)
  static V max(V a, V b) { return _mm512_maskz_max_ps(0xFFFF, a, b); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static V div(V a, V b) { return _mm512_div_ps(a, b); }
  static C gt(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
  static C eq(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
  static V select(C c, V t, V f) { return _mm512_mask_blend_ps(c, f, t); }
  static M mask(int64_t n) { return n >= 16 ? M(0xFFFF) : n <= 0 ? M(0) : M((1u << n) - 1u); }
};

}  // namespace

const PoolKernels& pool_kernels_avx512() { return simd_pool_kernels<Avx512>(); }

}  // namespace kiln::detail
