// The edge-tile store every GEMM microkernel shares: the kernel writes alpha * acc into
// a stack tile, and only the valid mr x nr part reaches C. Plain scalar code, so it
// compiles the same in every ISA file (edge tiles are a small share of any large GEMM).
#pragma once
#include <cstdint>

namespace kiln::detail {

/// C[r][j] = tile[r * ld + j] + beta * C[r][j] for r < mr, j < nr (beta == 0: C not read).
inline void store_edge(const float* tile, int ld, float* c, int64_t ldc, float beta, int mr, int nr) {
  for (int r = 0; r < mr; ++r) {
    float* cr = c + r * ldc;
    const float* t = tile + r * ld;
    if (beta == 0.0f)
      for (int j = 0; j < nr; ++j) cr[j] = t[j];
    else
      for (int j = 0; j < nr; ++j) cr[j] = t[j] + beta * cr[j];
  }
}

}  // namespace kiln::detail
