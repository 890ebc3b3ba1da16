// Reduction kernels of one instruction set (reduce_impl.h compiled per ISA); reduce.cc
// splits the work and combines partial results.
#pragma once
#include <cstdint>

namespace kiln::detail {

/// Widest column tile the column kernels take (their scratch lives on the stack).
constexpr int64_t kReduceTile = 256;

struct ReduceKernels {
  // Sum (also for Mean), Max, Min or Prod of n >= 1 contiguous values.
  double (*row_f32)(int op, const float* x, int64_t n);
  int32_t (*row_i32)(int op, const int32_t* x, int64_t n);
  // out[j] = op over r < rows of x[r * stride + j], for j < cols <= kReduceTile.
  void (*cols_f32)(int op, const float* x, int64_t rows, int64_t stride, int64_t cols, double* out);
  void (*cols_i32)(int op, const int32_t* x, int64_t rows, int64_t stride, int64_t cols, int32_t* out);
  // First index of the largest (ArgMax) or smallest (ArgMin) non-NaN value of n >= 1
  // values, or -1 when all are NaN.
  int64_t (*arg_row_f32)(int op, const float* x, int64_t n);
  int64_t (*arg_row_i32)(int op, const int32_t* x, int64_t n);
  // out[j] = tfjs's sequential arg scan over rows of column j (cols <= kReduceTile).
  void (*arg_cols_f32)(int op, const float* x, int64_t rows, int64_t stride, int64_t cols, int32_t* out);
  void (*arg_cols_i32)(int op, const int32_t* x, int64_t rows, int64_t stride, int64_t cols, int32_t* out);
  // One row of softmax (log = false) or log-softmax; y may be x.
  void (*softmax_row)(const float* x, float* y, int64_t n, bool log);
};

extern const ReduceKernels kReduceScalar;
extern const ReduceKernels kReduceAvx2;
extern const ReduceKernels kReduceAvx512;

}  // namespace kiln::detail
