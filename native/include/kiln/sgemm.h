// Single-precision GEMM on row-major matrices, Goto/BLIS style:
//   C[m x n] = alpha * op(A)[m x k] * op(B)[k x n] + beta * C
// op(A) is A (m x k, row stride lda) or, with trans_a, the transpose of A stored k x m.
// beta == 0 never reads C, so C may hold garbage (NaN) on entry.
#pragma once
#include <cstdint>

#include "kiln/cpu_caches.h"
#include "kiln/cpu_features.h"

namespace kiln {

struct GemmShape {
  bool trans_a = false;
  bool trans_b = false;
  int64_t m = 0, n = 0, k = 0;
  int64_t lda = 0, ldb = 0, ldc = 0;  // row strides of A, B, C as stored
};

/// One GEMM, threaded over the process pool when it is free.
void sgemm(const GemmShape& s, float alpha, const float* a, const float* b, float beta, float* c);

/// `batch` GEMMs; a/b/c advance by stride_a/stride_b/stride_c elements per batch
/// entry (stride 0 broadcasts one matrix to every entry).
void sgemm_batched(const GemmShape& s, int64_t batch, float alpha, const float* a, int64_t stride_a,
                   const float* b, int64_t stride_b, float beta, float* c, int64_t stride_c);

/// How sgemm would block and run shape s on a core with `level` and `caches` with up to
/// `threads` threads (any level, even one this CPU lacks: planning runs no kernel).
/// sgemm itself uses the current simd_level(), cpu_caches() and available_threads().
struct SgemmPlanInfo {
  const char* kernel;  // e.g. "avx2-6x16"
  int mr, nr;
  int64_t kc, k_blocks, nc, mc;
  bool pack_a;
  int threads;                   // threads used (1: inline on the caller)
  int64_t col_tasks, row_tasks;  // pool tasks per row block: column x row ranges
};
SgemmPlanInfo sgemm_plan(const GemmShape& s, SimdLevel level, const CacheSizes& caches, int threads);

}  // namespace kiln
