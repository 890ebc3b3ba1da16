// Register-blocked GEMM microkernels, one set per instruction set (sgemm_microkernel.h
// is their one body). Each computes one MR x NR tile of C from an A panel and a packed
// B panel:
//   acc[r][j] = sum_p A(r, p) * b[p*NR + j],   A(r, p) = a[r*rs_a + p*cs_a]
//   C[r][j]   = alpha * acc[r][j] + beta * C[r][j]   (beta == 0: C is not read)
// for r < mr, j < nr (the valid part of an edge tile; B panels are zero padded).
// `packed` takes A packed as a[p*MR + r] (zero padded, rs_a/cs_a ignored); `strided`
// reads A in place and must only be called with mr == MR (it reads all MR rows).
#pragma once
#include <cstdint>

namespace kiln::detail {

using GemmMicroKernel = void (*)(int64_t kc, const float* a, int64_t rs_a, int64_t cs_a, const float* b, float* c,
                                 int64_t ldc, float alpha, float beta, int mr, int nr);

/// Packs a panel of `valid` <= W lanes (W = MR for A, NR for B); see sgemm_pack.h.
using GemmPack = void (*)(const float* src, int64_t ld, bool transposed, int valid, int64_t kc, float* dst);

struct GemmKernel {
  int mr;
  int nr;
  GemmMicroKernel packed;
  GemmMicroKernel strided;
  GemmPack pack_a;  // W = mr
  GemmPack pack_b;  // W = nr
  const char* name;
};

const GemmKernel& gemm_kernel_scalar();
const GemmKernel& gemm_kernel_avx2();
const GemmKernel& gemm_kernel_avx512();
const GemmKernel& gemm_kernel_avx512_narrow();  // for n <= 16

}  // namespace kiln::detail
