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

/// Runs the TF32 tensor-core kernel (sgemm_tf32.cu) on `stream` (a cudaStream_t) and
/// returns true, or returns false without doing anything when it cannot take the call
/// (k == 0, alpha == 0, rows not 16-byte aligned): the caller then runs the fp32 kernel.
/// Arguments must already have passed check_gemm_args.
bool sgemm_tf32(int device, const GemmShape& s, int64_t batch, float alpha, const float* a, int64_t stride_a,
                const float* b, int64_t stride_b, float beta, float* c, int64_t stride_c, void* stream);

}  // namespace kiln::cuda::detail
