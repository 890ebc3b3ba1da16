// AVX2 + F16C build of the collective kernels (CMake gives this file -mavx2 -mfma -mf16c):
// fp16 converts eight elements per instruction; f32 and bf16 loops auto-vectorize.
#include <immintrin.h>

#include <cstdint>

namespace kiln::isa_avx2 {
namespace {

constexpr int kRound = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;

int64_t half_encode_block(const float* src, uint8_t* dst, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 2 * i), _mm256_cvtps_ph(_mm256_loadu_ps(src + i), kRound));
  }
  return i;
}

int64_t half_decode_block(const uint8_t* src, float* dst, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * i))));
  }
  return i;
}

int64_t half_accumulate_block(float* acc, const uint8_t* src, int64_t n, float scale, uint8_t* out) {
  const __m256 s = _mm256_set1_ps(scale);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 x = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * i)));
    __m256 v = _mm256_mul_ps(_mm256_add_ps(_mm256_loadu_ps(acc + i), x), s);
    if (out) {
      const __m128i h = _mm256_cvtps_ph(v, kRound);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 2 * i), h);
      v = _mm256_cvtph_ps(h);
    }
    _mm256_storeu_ps(acc + i, v);
  }
  return i;
}

}  // namespace
}  // namespace kiln::isa_avx2

#define KILN_ISA isa_avx2
#include "collective_impl.h"

namespace kiln::detail {
extern const CollectiveKernels kCollectiveAvx2 = isa_avx2::kCollective;
}  // namespace kiln::detail
