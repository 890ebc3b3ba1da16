// Shared by sgemm.cu and sgemm_host.cu (not part of the public kiln/cuda.h).
#pragma once
#include <cstdint>

#include "kiln/sgemm.h"

namespace kiln::cuda::detail {

/// Largest m, n or k: keeps every in-kernel index (row, column, depth) in an int.
constexpr int64_t kMaxGemmDim = int64_t(1) << 30;

/// Throws ShapeError / ArgumentError for arguments sgemm_device cannot take.
void check_gemm_args(const GemmShape& s, int64_t batch, int64_t stride_a, int64_t stride_b, int64_t stride_c,
                     float alpha, const float* a, const float* b, const float* c);

}  // namespace kiln::cuda::detail
