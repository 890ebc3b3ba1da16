// Panel packing for the GEMM driver, instantiated by each ISA file for its kernel's
// MR and NR (so the copies compile to that ISA's vector moves, with the width constant).
// A panel is W lanes wide: dst[p*W + j] for depth p < kc, lane j < W, lanes >= valid
// zeroed. Packing A (lanes = rows) and B (lanes = columns) are the same two cases:
//  - copy: the lanes are contiguous in memory, src[p*ld + j] (A transposed, B as is);
//  - transpose: each lane is a contiguous depth run, src[j*ld + p] (A as is, B transposed).
#pragma once
#include <cstdint>
#include <cstring>

namespace kiln::detail {

template <int W>
void pack_panel(const float* src, int64_t ld, bool transposed, int valid, int64_t kc, float* dst) {
  if (!transposed) {
    if (valid == W) {
      // Constant-size copies inline as vector moves (a libc memcpy call per 64-byte row
      // cost ~15% of a 256x256x784 product).
      for (int64_t p = 0; p < kc; ++p) std::memcpy(dst + p * W, src + p * ld, sizeof(float) * W);
      return;
    }
    for (int64_t p = 0; p < kc; ++p) {
      std::memcpy(dst + p * W, src + p * ld, sizeof(float) * valid);
      std::memset(dst + p * W + valid, 0, sizeof(float) * (W - valid));
    }
    return;
  }
  int64_t p = 0;
  if (valid == W) {
    // Blocks of 8 depths: each lane contributes 8 contiguous floats (one read stream per
    // lane stays in L1) and the block is written sequentially.
    for (; p + 8 <= kc; p += 8) {
      float block[W][8];
#pragma GCC unroll 32
      for (int j = 0; j < W; ++j) std::memcpy(block[j], src + j * ld + p, sizeof(float) * 8);
      float* d = dst + p * W;
#pragma GCC unroll 8
      for (int q = 0; q < 8; ++q)
#pragma GCC unroll 32
        for (int j = 0; j < W; ++j) d[q * W + j] = block[j][q];
    }
  }
  for (; p < kc; ++p) {
    for (int j = 0; j < valid; ++j) dst[p * W + j] = src[j * ld + p];
    for (int j = valid; j < W; ++j) dst[p * W + j] = 0.0f;
  }
}

}  // namespace kiln::detail
