// How one SGEMM is blocked and which microkernel runs it, decided from the SIMD level,
// the cache sizes and the shape alone (a pure function: tests plan for CPUs this machine
// is not, e.g. an AVX-512 Xeon, and the driver runs exactly what was planned).
#pragma once
#include <cstdint>

#include "kiln/cpu_caches.h"
#include "kiln/cpu_features.h"
#include "kiln/sgemm.h"
#include "sgemm_kernels.h"

namespace kiln::detail {

struct GemmPlan {
  const GemmKernel* kernel;
  int64_t kc;       // depth of one block (the depth is split into k_blocks even blocks)
  int64_t k_blocks;
  int64_t nc;       // columns of one packed B block (a multiple of NR), kept in L2
  int64_t mc;       // rows of one packed A block (a multiple of MR), kept in L3
  bool pack_a;      // false: full row panels of A are read in place (strided kernel)
  int threads;      // threads the product uses (1: it runs inline on the caller)
  int64_t col_tasks;  // pool tasks per row block: col_tasks column ranges x row_tasks row ranges
  int64_t row_tasks;
};

/// The plan for shape s on a core with `level` and `caches`, run by up to `threads` threads.
GemmPlan plan_gemm(const GemmShape& s, SimdLevel level, const CacheSizes& caches, int threads);

}  // namespace kiln::detail
