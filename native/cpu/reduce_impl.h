// Reduction kernel bodies, compiled once per instruction set (define KILN_ISA first).
// Row kernels keep kLanes independent partial results (fixed, so every ISA adds in the
// same order and gets the same bits); column kernels walk rows and vectorize across the
// columns of a tile. fp-contract=off and
// no-trapping-math for the reasons given in elementwise_impl.h.
#pragma GCC optimize("fp-contract=off", "no-trapping-math")

#include <cmath>
#include <cstdint>

#include "kiln/reduce.h"
#include "reduce_kernels.h"
#include "vec_math.h"

namespace kiln {
namespace KILN_ISA {
namespace {

constexpr int kLanes = 32;
// Floats summed per lane before the block total goes into a double: 64 adds per lane
// bound the float rounding at 64 ulp of the block even for adversarial data.
constexpr int64_t kSumBlock = kLanes * 64;
constexpr int64_t kColBlock = 64;  // rows summed in float per column before the double add
using detail::kReduceTile;

KILN_VINLINE float nan_max(float acc, float v) { return (v > acc) | is_nan(v) ? v : acc; }
KILN_VINLINE float nan_min(float acc, float v) { return (v < acc) | is_nan(v) ? v : acc; }

template <class T>
KILN_VINLINE T lane_tree_sum(T* acc) {
  for (int w = kLanes / 2; w > 0; w /= 2)
    for (int l = 0; l < w; ++l) acc[l] += acc[l + w];
  return acc[0];
}

// Sum of f(x[i]) over a row: float lanes within blocks, double across blocks.
template <class F>
KILN_VINLINE double row_sum(const float* x, int64_t n, F f) {
  double total = 0.0;
  for (int64_t b = 0; b < n; b += kSumBlock) {
    const int64_t m = n - b < kSumBlock ? n - b : kSumBlock;
    const float* p = x + b;
    float acc[kLanes] = {};
    int64_t i = 0;
    for (; i + kLanes <= m; i += kLanes)
      for (int l = 0; l < kLanes; ++l) acc[l] += f(p[i + l]);
    for (int l = 0; i < m; ++i, ++l) acc[l] += f(p[i]);
    total += lane_tree_sum(acc);
  }
  return total;
}

template <bool Max, class T>
KILN_VINLINE T row_extreme(const T* x, int64_t n) {
  T acc[kLanes];
  for (int l = 0; l < kLanes; ++l) acc[l] = x[0];
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] = Max ? nan_max(acc[l], x[i + l]) : nan_min(acc[l], x[i + l]);
  for (int l = 0; i < n; ++i, ++l) acc[l] = Max ? nan_max(acc[l], x[i]) : nan_min(acc[l], x[i]);
  T r = acc[0];
  for (int l = 1; l < kLanes; ++l) r = Max ? nan_max(r, acc[l]) : nan_min(r, acc[l]);
  return r;
}

KILN_VINLINE int32_t i_max(int32_t a, int32_t b) { return a > b ? a : b; }
KILN_VINLINE int32_t i_min(int32_t a, int32_t b) { return a < b ? a : b; }

double row_f32(int op, const float* x, int64_t n) {
  switch (static_cast<ReduceOp>(op)) {
    case ReduceOp::kSum:
    case ReduceOp::kMean: return row_sum(x, n, [](float v) { return v; });
    case ReduceOp::kMax: return row_extreme<true>(x, n);
    case ReduceOp::kMin: return row_extreme<false>(x, n);
    case ReduceOp::kProd: {
      double acc[kLanes];
      for (int l = 0; l < kLanes; ++l) acc[l] = 1.0;
      int64_t i = 0;
      for (; i + kLanes <= n; i += kLanes)
        for (int l = 0; l < kLanes; ++l) acc[l] *= double(x[i + l]);
      for (int l = 0; i < n; ++i, ++l) acc[l] *= double(x[i]);
      double r = acc[0];
      for (int l = 1; l < kLanes; ++l) r *= acc[l];
      return r;
    }
  }
  return 0.0;
}

// Int32 sums and products wrap modulo 2^32, like tfjs storing into an Int32Array.
int32_t row_i32(int op, const int32_t* x, int64_t n) {
  uint32_t acc[kLanes];
  const auto o = static_cast<ReduceOp>(op);
  if (o == ReduceOp::kMax || o == ReduceOp::kMin) {
    int32_t m[kLanes];
    for (int l = 0; l < kLanes; ++l) m[l] = x[0];
    int64_t i = 0;
    const bool mx = o == ReduceOp::kMax;
    for (; i + kLanes <= n; i += kLanes)
      for (int l = 0; l < kLanes; ++l) m[l] = mx ? i_max(m[l], x[i + l]) : i_min(m[l], x[i + l]);
    for (int l = 0; i < n; ++i, ++l) m[l] = mx ? i_max(m[l], x[i]) : i_min(m[l], x[i]);
    int32_t r = m[0];
    for (int l = 1; l < kLanes; ++l) r = mx ? i_max(r, m[l]) : i_min(r, m[l]);
    return r;
  }
  const bool prod = o == ReduceOp::kProd;
  for (int l = 0; l < kLanes; ++l) acc[l] = prod ? 1u : 0u;
  int64_t i = 0;
  if (prod) {
    for (; i + kLanes <= n; i += kLanes)
      for (int l = 0; l < kLanes; ++l) acc[l] *= uint32_t(x[i + l]);
    for (int l = 0; i < n; ++i, ++l) acc[l] *= uint32_t(x[i]);
    uint32_t r = 1;
    for (int l = 0; l < kLanes; ++l) r *= acc[l];
    return int32_t(r);
  }
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] += uint32_t(x[i + l]);
  for (int l = 0; i < n; ++i, ++l) acc[l] += uint32_t(x[i]);
  return int32_t(lane_tree_sum(acc));
}

void cols_f32(int op, const float* x, int64_t rows, int64_t stride, int64_t cols, double* out) {
  const auto o = static_cast<ReduceOp>(op);
  if (o == ReduceOp::kSum || o == ReduceOp::kMean) {
    double tot[kReduceTile];
    float part[kReduceTile];
    for (int64_t j = 0; j < cols; ++j) tot[j] = 0.0;
    for (int64_t r0 = 0; r0 < rows; r0 += kColBlock) {
      const int64_t r1 = rows - r0 < kColBlock ? rows : r0 + kColBlock;
      for (int64_t j = 0; j < cols; ++j) part[j] = 0.0f;
      for (int64_t r = r0; r < r1; ++r) {
        const float* row = x + r * stride;
        for (int64_t j = 0; j < cols; ++j) part[j] += row[j];
      }
      for (int64_t j = 0; j < cols; ++j) tot[j] += double(part[j]);
    }
    for (int64_t j = 0; j < cols; ++j) out[j] = tot[j];
  } else if (o == ReduceOp::kProd) {
    for (int64_t j = 0; j < cols; ++j) out[j] = 1.0;
    for (int64_t r = 0; r < rows; ++r) {
      const float* row = x + r * stride;
      for (int64_t j = 0; j < cols; ++j) out[j] *= double(row[j]);
    }
  } else {
    const bool mx = o == ReduceOp::kMax;
    float best[kReduceTile];
    for (int64_t j = 0; j < cols; ++j) best[j] = x[j];
    for (int64_t r = 1; r < rows; ++r) {
      const float* row = x + r * stride;
      if (mx) {
        for (int64_t j = 0; j < cols; ++j) best[j] = nan_max(best[j], row[j]);
      } else {
        for (int64_t j = 0; j < cols; ++j) best[j] = nan_min(best[j], row[j]);
      }
    }
    for (int64_t j = 0; j < cols; ++j) out[j] = double(best[j]);
  }
}

void cols_i32(int op, const int32_t* x, int64_t rows, int64_t stride, int64_t cols, int32_t* out) {
  const auto o = static_cast<ReduceOp>(op);
  uint32_t acc[kReduceTile];
  if (o == ReduceOp::kMax || o == ReduceOp::kMin) {
    const bool mx = o == ReduceOp::kMax;
    int32_t best[kReduceTile];
    for (int64_t j = 0; j < cols; ++j) best[j] = x[j];
    for (int64_t r = 1; r < rows; ++r) {
      const int32_t* row = x + r * stride;
      if (mx) {
        for (int64_t j = 0; j < cols; ++j) best[j] = i_max(best[j], row[j]);
      } else {
        for (int64_t j = 0; j < cols; ++j) best[j] = i_min(best[j], row[j]);
      }
    }
    for (int64_t j = 0; j < cols; ++j) out[j] = best[j];
    return;
  }
  const bool prod = o == ReduceOp::kProd;
  for (int64_t j = 0; j < cols; ++j) acc[j] = prod ? 1u : 0u;
  for (int64_t r = 0; r < rows; ++r) {
    const int32_t* row = x + r * stride;
    if (prod) {
      for (int64_t j = 0; j < cols; ++j) acc[j] *= uint32_t(row[j]);
    } else {
      for (int64_t j = 0; j < cols; ++j) acc[j] += uint32_t(row[j]);
    }
  }
  for (int64_t j = 0; j < cols; ++j) out[j] = int32_t(acc[j]);
}

// Per-lane best value and index with a strict comparison (so each lane keeps its first
// occurrence); lanes merge by value, then by lower index.
template <bool Max, class T>
KILN_VINLINE int64_t arg_row(const T* x, int64_t n, T sentinel) {
  constexpr int L = 16;
  T bv[L];
  int32_t bi[L];
  for (int l = 0; l < L; ++l) {
    bv[l] = sentinel;
    bi[l] = INT32_MAX;
  }
  int64_t i = 0;
  for (; i + L <= n; i += L) {
    for (int l = 0; l < L; ++l) {
      const T v = x[i + l];
      const bool m = Max ? v > bv[l] : v < bv[l];
      bv[l] = m ? v : bv[l];
      bi[l] = m ? int32_t(i + l) : bi[l];
    }
  }
  for (int l = 0; i < n; ++i, ++l) {
    const T v = x[i];
    const bool m = Max ? v > bv[l] : v < bv[l];
    bv[l] = m ? v : bv[l];
    bi[l] = m ? int32_t(i) : bi[l];
  }
  T best = bv[0];
  int32_t idx = bi[0];
  for (int l = 1; l < L; ++l) {
    const bool better = Max ? bv[l] > best : bv[l] < best;
    if (better || (bv[l] == best && bi[l] < idx)) {
      best = bv[l];
      idx = bi[l];
    }
  }
  if (idx != INT32_MAX) return idx;
  // Nothing beat the sentinel: every value is NaN or equals it; take the first non-NaN.
  for (int64_t k = 0; k < n; ++k)
    if (x[k] == x[k]) return k;
  return -1;
}

int64_t arg_row_f32(int op, const float* x, int64_t n) {
  return op == 0 ? arg_row<true>(x, n, -INFINITY) : arg_row<false>(x, n, INFINITY);
}
int64_t arg_row_i32(int op, const int32_t* x, int64_t n) {
  return op == 0 ? arg_row<true>(x, n, INT32_MIN) : arg_row<false>(x, n, INT32_MAX);
}

template <class T>
void arg_cols(int op, const T* x, int64_t rows, int64_t stride, int64_t cols, int32_t* out) {
  T best[kReduceTile];
  int32_t idx[kReduceTile];
  for (int64_t j = 0; j < cols; ++j) {
    best[j] = x[j];
    idx[j] = 0;
  }
  const bool mx = op == 0;
  for (int64_t r = 1; r < rows; ++r) {
    const T* row = x + r * stride;
    const int32_t ri = int32_t(r);
    for (int64_t j = 0; j < cols; ++j) {
      const T v = row[j];
      const bool m = mx ? v > best[j] : v < best[j];
      best[j] = m ? v : best[j];
      idx[j] = m ? ri : idx[j];
    }
  }
  for (int64_t j = 0; j < cols; ++j) out[j] = idx[j];
}

void softmax_row(const float* x, float* y, int64_t n, bool log) {
  const float mx = row_extreme<true>(x, n);
#pragma GCC ivdep
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] - mx;
  if (log) {
    const float sum = static_cast<float>(row_sum(y, n, [](float v) { return v_exp(v); }));
    const float ls = static_cast<float>(std::log(double(sum)));
    for (int64_t i = 0; i < n; ++i) y[i] = y[i] - ls;
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = v_exp(y[i]);
    const float sum = static_cast<float>(row_sum(y, n, [](float v) { return v; }));
    for (int64_t i = 0; i < n; ++i) y[i] = y[i] / sum;
  }
}

}  // namespace

constexpr detail::ReduceKernels kReduce = {
    row_f32, row_i32, cols_f32, cols_i32, arg_row_f32, arg_row_i32, arg_cols<float>, arg_cols<int32_t>, softmax_row,
};

}  // namespace KILN_ISA
}  // namespace kiln
