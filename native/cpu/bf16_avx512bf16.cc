// AVX512-BF16 pair-dot kernel: vdpbf16ps multiplies 16 pairs of bf16 and adds both
// products to 16 fp32 accumulators. 12 x 32 as the fp32 AVX-512 kernel: 24 accumulators,
// 2 B vectors (32 columns x 2 depths) and one broadcast A pair fit the 32 zmm registers.
// Compiled with -mavx512bf16 in this file alone (CMakeLists.txt); runs only where
// cpu_has_avx512_bf16(). The body is bf16_kernels.h, which the scalar kernel shares.
#include <immintrin.h>

#include "bf16_kernels.h"

namespace kiln::detail {
namespace {

struct Avx512Bf16 {
  static constexpr int kWidth = 16;
  using V = __m512;
  using Pairs = __m512bh;
  static V zero() { return _mm512_setzero_ps(); }
  static Pairs load_pairs(const uint16_t* p) { return (__m512bh)_mm512_loadu_si512(p); }
  static Pairs broadcast_pair(uint32_t word) { return (__m512bh)_mm512_set1_epi32(static_cast<int>(word)); }
  static V dot2(V acc, Pairs a, Pairs b) { return _mm512_dpbf16_ps(acc, a, b); }
  static void store(float* p, V v) { _mm512_store_ps(p, v); }
};

}  // namespace

const Bf16Kernel& bf16_kernel_avx512bf16() {
  static const Bf16Kernel k{12, 32, &PairKernel<Avx512Bf16, 12, 2>::run, &pack_pairs<12>, &pack_pairs<32>,
                            "avx512bf16-12x32"};
  return k;
}

}  // namespace kiln::detail
