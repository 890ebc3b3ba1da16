// Portable microkernel (no intrinsics) for CPUs without AVX2 and for KILN_SIMD=scalar:
// the shared body over plain floats.
#include "sgemm_kernels.h"
#include "sgemm_microkernel.h"
#include "sgemm_pack.h"

namespace kiln::detail {
namespace {

struct Scalar {
  using V = float;
  static constexpr int kWidth = 1;
  static V zero() { return 0.0f; }
  static V set1(float x) { return x; }
  static V load(const float* p) { return *p; }
  static V loadu(const float* p) { return *p; }
  static V broadcast(const float* p) { return *p; }
  static V fma(V a, V b, V c) { return a * b + c; }
  static V mul(V a, V b) { return a * b; }
  static void store(float* p, V v) { *p = v; }
  static void storeu(float* p, V v) { *p = v; }
  static void prefetch(const float*) {}
};

}  // namespace

const GemmKernel& gemm_kernel_scalar() {
  static const GemmKernel k{4, 8, &MicroKernel<Scalar, 4, 8, false>::run,
                            &MicroKernel<Scalar, 4, 8, true>::run, &pack_panel<4>, &pack_panel<8>,
                            "scalar-4x8"};
  return k;
}

}  // namespace kiln::detail
