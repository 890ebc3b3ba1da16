// 2-D transpose kernels for transpose.cc: y[j * ldy + i] = x[i * ldx + j] for i < ni,
// j < nj, on 4-byte elements.
#pragma once
#include <cstdint>

namespace kiln::detail {

/// Portable: kBlock x kBlock tiles, element by element.
void transpose_2d_scalar(const uint32_t* x, int64_t ldx, uint32_t* y, int64_t ldy, int64_t ni, int64_t nj);
/// AVX2: 8 x 8 blocks transposed in registers (compiled with -mavx2 only in its file).
void transpose_2d_avx2(const uint32_t* x, int64_t ldx, uint32_t* y, int64_t ldy, int64_t ni, int64_t nj);

}  // namespace kiln::detail
