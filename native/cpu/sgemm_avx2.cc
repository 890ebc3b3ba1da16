// AVX2+FMA microkernel, 6 x 16: 12 ymm accumulators + 2 B vectors + 1 broadcast of the
// 16 registers (the classic Haswell shape). Compiled with -mavx2 -mfma only in this file.
#include <immintrin.h>

#include "sgemm_kernels.h"
#include "sgemm_microkernel.h"
#include "sgemm_pack.h"

namespace kiln::detail {
namespace {

struct Avx2 {
  using V = __m256;
  static constexpr int kWidth = 8;
  static V zero() { return _mm256_setzero_ps(); }
  static V set1(float x) { return _mm256_set1_ps(x); }
  static V load(const float* p) { return _mm256_load_ps(p); }
  static V loadu(const float* p) { return _mm256_loadu_ps(p); }
  static V broadcast(const float* p) { return _mm256_broadcast_ss(p); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static void store(float* p, V v) { _mm256_store_ps(p, v); }
  static void storeu(float* p, V v) { _mm256_storeu_ps(p, v); }
  static void prefetch(const float* p) { _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T0); }
};

}  // namespace

const GemmKernel& gemm_kernel_avx2() {
  static const GemmKernel k{6, 16, &MicroKernel<Avx2, 6, 2, false>::run,
                            &MicroKernel<Avx2, 6, 2, true>::run, &pack_panel<6>, &pack_panel<16>,
                            "avx2-6x16"};
  return k;
}

}  // namespace kiln::detail
