// Portable microkernel (no intrinsics) for CPUs without AVX2 and for KILN_SIMD=scalar.
#include "sgemm_kernels.h"

namespace kiln::detail {
namespace {

constexpr int kMr = 4;
constexpr int kNr = 8;

void kernel(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, float alpha, float beta,
            int mr, int nr) {
  float acc[kMr][kNr] = {};
  for (int64_t p = 0; p < kc; ++p) {
    for (int r = 0; r < kMr; ++r) {
      const float av = a[r];
      for (int j = 0; j < kNr; ++j) acc[r][j] += av * b[j];
    }
    a += kMr;
    b += kNr;
  }
  for (int r = 0; r < mr; ++r) {
    float* cr = c + r * ldc;
    for (int j = 0; j < nr; ++j) cr[j] = alpha * acc[r][j] + (beta != 0.0f ? beta * cr[j] : 0.0f);
  }
}

}  // namespace

const GemmKernel& gemm_kernel_scalar() {
  static const GemmKernel k{kMr, kNr, &kernel, "scalar-4x8"};
  return k;
}

}  // namespace kiln::detail
