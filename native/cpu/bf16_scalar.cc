// The bf16 pair-dot kernel on plain lanes: vdpbf16ps's arithmetic (per lane, the odd
// depth's product added first, then the even one's; products exact in fp32) without the
// instruction, so KILN_SIMD=scalar runs and tests the body an AVX512-BF16 core runs.
// Unlike the instruction it keeps denormals (vdpbf16ps flushes them to zero).
#include <cstring>

#include "bf16_kernels.h"

namespace kiln::detail {
namespace {

float widen(uint32_t half) { return from_bfloat(static_cast<uint16_t>(half)); }

struct ScalarPairs {
  static constexpr int kWidth = 8;
  struct V {
    float f[kWidth];
  };
  struct Pairs {
    uint32_t w[kWidth];
  };
  static V zero() { return V{}; }
  static Pairs load_pairs(const uint16_t* p) {
    Pairs out;
    std::memcpy(out.w, p, sizeof(out.w));
    return out;
  }
  static Pairs broadcast_pair(uint32_t word) {
    Pairs out;
    for (uint32_t& w : out.w) w = word;
    return out;
  }
  static V dot2(V acc, const Pairs& a, const Pairs& b) {
    for (int j = 0; j < kWidth; ++j) {
      acc.f[j] += widen(a.w[j] >> 16) * widen(b.w[j] >> 16);
      acc.f[j] += widen(a.w[j] & 0xffffu) * widen(b.w[j] & 0xffffu);
    }
    return acc;
  }
  static void store(float* p, const V& v) { std::memcpy(p, v.f, sizeof(v.f)); }
};

}  // namespace

const Bf16Kernel& bf16_kernel_scalar() {
  static const Bf16Kernel k{4, 16, &PairKernel<ScalarPairs, 4, 2>::run, &pack_pairs<4>, &pack_pairs<16>,
                            "scalar-pairs-4x16"};
  return k;
}

}  // namespace kiln::detail
