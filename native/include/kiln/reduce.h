// Reductions of the tfjs "kiln" backend over the middle axis of x viewed as
// [outer, size, inner] (y is [outer, inner]), so any single axis or run of adjacent axes
// reduces without a transpose. Float sums add blocks in float and block totals in
// double; products run in double (tfjs multiplies in double). Max/Min propagate NaN,
// and ArgMax/ArgMin pick the first index of the extreme, as tfjs-backend-cpu does.
#pragma once
#include <cstdint>

namespace kiln {

enum class ReduceOp : int { kSum = 0, kMean, kMax, kMin, kProd };
constexpr int kReduceOpCount = 5;

enum class ArgReduceOp : int { kArgMax = 0, kArgMin };
constexpr int kArgReduceOpCount = 2;

/// y[o, j] = op over s of x[o, s, j]. size == 0 gives Sum 0, Prod 1, Mean/Max/Min NaN.
void reduce(ReduceOp op, const float* x, int64_t outer, int64_t size, int64_t inner, float* y);
/// Int32 Sum/Prod wrap modulo 2^32; Mean throws ShapeError (tfjs means are float).
/// size == 0 gives Sum 0, Prod 1, Max/Min 0.
void reduce(ReduceOp op, const int32_t* x, int64_t outer, int64_t size, int64_t inner, int32_t* y);

/// y[o, j] = index s of the extreme x[o, s, j]: the first one, ignoring NaN unless
/// x[o, 0, j] is NaN (then 0), exactly like tfjs's sequential scan. size must be >= 1.
void arg_reduce(ArgReduceOp op, const float* x, int64_t outer, int64_t size, int64_t inner, int32_t* y);
void arg_reduce(ArgReduceOp op, const int32_t* x, int64_t outer, int64_t size, int64_t inner, int32_t* y);

/// Row-wise softmax of a rows x cols matrix, max-subtracted; y may be x.
void softmax(const float* x, int64_t rows, int64_t cols, float* y);
/// Row-wise (x - max) - log(sum(exp(x - max))); y may be x.
void log_softmax(const float* x, int64_t rows, int64_t cols, float* y);

}  // namespace kiln
