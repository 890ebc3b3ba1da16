// Register-blocked GEMM microkernels, one per instruction set. Each computes one
// MR x NR tile of C from packed panels:
//   acc[r][j] = sum_p a[p*MR + r] * b[p*NR + j]
//   C[r][j]   = alpha * acc[r][j] + beta * C[r][j]   (beta == 0: C is not read)
// for r < mr, j < nr (the valid part of an edge tile; panels are zero padded).
#pragma once
#include <cstdint>

namespace kiln::detail {

using GemmMicroKernel = void (*)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                                 float alpha, float beta, int mr, int nr);

struct GemmKernel {
  int mr;
  int nr;
  GemmMicroKernel fn;
  const char* name;
};

const GemmKernel& gemm_kernel_scalar();
const GemmKernel& gemm_kernel_avx2();
const GemmKernel& gemm_kernel_avx512();
const GemmKernel& gemm_kernel_avx512_narrow();  // for n <= 16

}  // namespace kiln::detail
