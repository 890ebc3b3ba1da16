// AVX-512 microkernels. 12 x 32: 24 zmm accumulators + 2 B vectors + 1 broadcast fit the
// 32 registers, and every B load feeds 12 FMAs. 24 x 16 serves narrow outputs (n <= 16,
// e.g. a 10-class layer) where a 32-wide tile would waste most of its lanes.
// Compiled with AVX-512 flags only in this file; the body is sgemm_microkernel.h, which
// the AVX2 and scalar kernels share, so only these vector operations are AVX-512's own.
#include <immintrin.h>

#include "sgemm_kernels.h"
#include "sgemm_microkernel.h"
#include "sgemm_pack.h"

namespace kiln::detail {
namespace {

struct Avx512 {
  using V = __m512;
  static constexpr int kWidth = 16;
  static V zero() { return _mm512_setzero_ps(); }
  static V set1(float x) { return _mm512_set1_ps(x); }
  static V load(const float* p) { return _mm512_load_ps(p); }
  static V loadu(const float* p) { return _mm512_loadu_ps(p); }
  static V broadcast(const float* p) { return _mm512_set1_ps(*p); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static void store(float* p, V v) { _mm512_store_ps(p, v); }
  static void storeu(float* p, V v) { _mm512_storeu_ps(p, v); }
  static void prefetch(const float* p) { _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T0); }
};

}  // namespace

const GemmKernel& gemm_kernel_avx512() {
  static const GemmKernel k{12, 32, &MicroKernel<Avx512, 12, 2, false>::run,
                            &MicroKernel<Avx512, 12, 2, true>::run, &pack_panel<12>, &pack_panel<32>,
                            "avx512-12x32"};
  return k;
}

const GemmKernel& gemm_kernel_avx512_narrow() {
  static const GemmKernel k{24, 16, &MicroKernel<Avx512, 24, 1, false>::run,
                            &MicroKernel<Avx512, 24, 1, true>::run, &pack_panel<24>, &pack_panel<16>,
                            "avx512-24x16"};
  return k;
}

}  // namespace kiln::detail
