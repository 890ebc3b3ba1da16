// Reduction entry points. Work is split over output rows/tiles when there are enough of
// them to feed the pool; a few long reductions (a full sum, a softmax-free argmax of
// one vector) are split along the reduced axis instead and the partials combined.
#include "kiln/reduce.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "kiln/cpu_features.h"
#include "kiln/errors.h"
#include "kiln/thread_pool.h"
#include "parallel.h"
#include "reduce_kernels.h"

namespace kiln {
namespace {

using detail::kReduceTile;
constexpr int kMaxSplit = 16;

const detail::ReduceKernels& kernels() {
  switch (simd_level()) {
    case SimdLevel::kAvx512: return detail::kReduceAvx512;
    case SimdLevel::kAvx2: return detail::kReduceAvx2;
    default: return detail::kReduceScalar;
  }
}

// Partial results: double for float data (sums, products), int32 wrapping for int32.
double combine(ReduceOp op, double a, double b) {
  switch (op) {
    case ReduceOp::kMax: return (b > a || b != b) ? b : a;
    case ReduceOp::kMin: return (b < a || b != b) ? b : a;
    case ReduceOp::kProd: return a * b;
    default: return a + b;
  }
}
int32_t combine(ReduceOp op, int32_t a, int32_t b) {
  switch (op) {
    case ReduceOp::kMax: return std::max(a, b);
    case ReduceOp::kMin: return std::min(a, b);
    case ReduceOp::kProd: return int32_t(uint32_t(a) * uint32_t(b));
    default: return int32_t(uint32_t(a) + uint32_t(b));
  }
}
float finish(ReduceOp op, double v, int64_t size) {
  return static_cast<float>(op == ReduceOp::kMean ? v / double(size) : v);
}
int32_t finish(ReduceOp, int32_t v, int64_t) { return v; }

struct F32 {
  using T = float;
  using Acc = double;
  static Acc row(const detail::ReduceKernels& k, int op, const T* x, int64_t n) { return k.row_f32(op, x, n); }
  static void cols(const detail::ReduceKernels& k, int op, const T* x, int64_t r, int64_t s, int64_t c, Acc* out) {
    k.cols_f32(op, x, r, s, c, out);
  }
  static T empty(ReduceOp op) { return op == ReduceOp::kSum ? 0.0f : op == ReduceOp::kProd ? 1.0f : NAN; }
};
struct I32 {
  using T = int32_t;
  using Acc = int32_t;
  static Acc row(const detail::ReduceKernels& k, int op, const T* x, int64_t n) { return k.row_i32(op, x, n); }
  static void cols(const detail::ReduceKernels& k, int op, const T* x, int64_t r, int64_t s, int64_t c, Acc* out) {
    k.cols_i32(op, x, r, s, c, out);
  }
  static T empty(ReduceOp op) { return op == ReduceOp::kProd ? 1 : 0; }
};

int split_count(int64_t size, int64_t width) {
  const int64_t by_work = size * width / detail::kGrain;
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>({by_work, available_threads(), kMaxSplit})));
}

template <class D>
void reduce_any(ReduceOp op, const typename D::T* x, int64_t outer, int64_t size, int64_t inner,
                typename D::T* y) {
  using Acc = typename D::Acc;
  if (outer * inner == 0) return;
  if (size == 0) {
    std::fill(y, y + outer * inner, D::empty(op));
    return;
  }
  const auto& k = kernels();
  const int o = static_cast<int>(op);
  const int threads = available_threads();
  const bool small = outer * inner * size < detail::kParallelMin;

  if (inner == 1) {
    if (outer >= threads || small) {
      detail::parallel_items(outer, size, [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) y[r] = finish(op, D::row(k, o, x + r * size, size), size);
      });
      return;
    }
    for (int64_t r = 0; r < outer; ++r) {
      const auto* row = x + r * size;
      const int chunks = split_count(size, 1);
      Acc part[kMaxSplit];
      detail::parallel_chunks(size, chunks, [&](int64_t c, int64_t b, int64_t e) {
        part[c] = D::row(k, o, row + b, e - b);
      });
      Acc acc = part[0];
      for (int c = 1; c < chunks; ++c) acc = combine(op, acc, part[c]);
      y[r] = finish(op, acc, size);
    }
    return;
  }

  const int64_t tiles = (inner + kReduceTile - 1) / kReduceTile;
  const int64_t tasks = outer * tiles;
  auto tile_of = [&](int64_t t, int64_t* base, int64_t* c0, int64_t* cols) {
    const int64_t oi = t / tiles;
    *c0 = (t % tiles) * kReduceTile;
    *cols = std::min(kReduceTile, inner - *c0);
    *base = oi * size * inner + *c0;
  };
  if (tasks >= threads || small) {
    detail::parallel_items(tasks, size * std::min(inner, kReduceTile), [&](int64_t t0, int64_t t1) {
      Acc buf[kReduceTile];
      for (int64_t t = t0; t < t1; ++t) {
        int64_t base, c0, cols;
        tile_of(t, &base, &c0, &cols);
        D::cols(k, o, x + base, size, inner, cols, buf);
        typename D::T* out = y + (t / tiles) * inner + c0;
        for (int64_t j = 0; j < cols; ++j) out[j] = finish(op, buf[j], size);
      }
    });
    return;
  }
  for (int64_t t = 0; t < tasks; ++t) {
    int64_t base, c0, cols;
    tile_of(t, &base, &c0, &cols);
    const int chunks = split_count(size, cols);
    Acc part[kMaxSplit][kReduceTile];
    detail::parallel_chunks(size, chunks, [&](int64_t c, int64_t b, int64_t e) {
      D::cols(k, o, x + base + b * inner, e - b, inner, cols, part[c]);
    });
    typename D::T* out = y + (t / tiles) * inner + c0;
    for (int64_t j = 0; j < cols; ++j) {
      Acc acc = part[0][j];
      for (int c = 1; c < chunks; ++c) acc = combine(op, acc, part[c][j]);
      out[j] = finish(op, acc, size);
    }
  }
}

template <class T>
void arg_any(ArgReduceOp op, const T* x, int64_t outer, int64_t size, int64_t inner, int32_t* y,
             int64_t (*row)(int, const T*, int64_t),
             void (*cols)(int, const T*, int64_t, int64_t, int64_t, int32_t*)) {
  if (outer * inner == 0) return;
  if (size < 1 || size > INT32_MAX)
    throw ShapeError("argReduce: size must be in [1, 2^31 - 1], got " + std::to_string(size));
  const int o = static_cast<int>(op);
  const bool max = op == ArgReduceOp::kArgMax;
  // tfjs starts from x[0] and only a strictly better value moves it, so a leading NaN
  // wins and later NaNs are never picked.
  auto first_nan = [](const T* r) { return r[0] != r[0]; };
  if (inner == 1) {
    if (outer >= available_threads() || outer * size < detail::kParallelMin) {
      detail::parallel_items(outer, size, [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
          const T* xr = x + r * size;
          y[r] = first_nan(xr) ? 0 : static_cast<int32_t>(row(o, xr, size));
        }
      });
      return;
    }
    for (int64_t r = 0; r < outer; ++r) {
      const T* xr = x + r * size;
      if (first_nan(xr)) {
        y[r] = 0;
        continue;
      }
      const int chunks = split_count(size, 1);
      int64_t part[kMaxSplit];
      detail::parallel_chunks(size, chunks, [&](int64_t c, int64_t b, int64_t e) {
        const int64_t i = row(o, xr + b, e - b);
        part[c] = i < 0 ? -1 : b + i;
      });
      int64_t best = part[0];  // chunk 0 starts with the non-NaN x[0]
      for (int c = 1; c < chunks; ++c) {
        if (part[c] < 0) continue;
        const T v = xr[part[c]], bv = xr[best];
        if (max ? v > bv : v < bv) best = part[c];
      }
      y[r] = static_cast<int32_t>(best);
    }
    return;
  }
  const int64_t tiles = (inner + kReduceTile - 1) / kReduceTile;
  detail::parallel_items(outer * tiles, size * std::min(inner, kReduceTile), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t oi = t / tiles, c0 = (t % tiles) * kReduceTile;
      cols(o, x + oi * size * inner + c0, size, inner, std::min(kReduceTile, inner - c0), y + oi * inner + c0);
    }
  });
}

void softmax_any(const float* x, int64_t rows, int64_t cols, float* y, bool log) {
  if (cols == 0) return;
  const auto& k = kernels();
  detail::parallel_items(rows, cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) k.softmax_row(x + r * cols, y + r * cols, cols, log);
  });
}

}  // namespace

void reduce(ReduceOp op, const float* x, int64_t outer, int64_t size, int64_t inner, float* y) {
  reduce_any<F32>(op, x, outer, size, inner, y);
}

void reduce(ReduceOp op, const int32_t* x, int64_t outer, int64_t size, int64_t inner, int32_t* y) {
  if (op == ReduceOp::kMean) throw ShapeError("reduce: Mean needs float32 data (tfjs means are float)");
  reduce_any<I32>(op, x, outer, size, inner, y);
}

void arg_reduce(ArgReduceOp op, const float* x, int64_t outer, int64_t size, int64_t inner, int32_t* y) {
  const auto& k = kernels();
  arg_any<float>(op, x, outer, size, inner, y, k.arg_row_f32, k.arg_cols_f32);
}

void arg_reduce(ArgReduceOp op, const int32_t* x, int64_t outer, int64_t size, int64_t inner, int32_t* y) {
  const auto& k = kernels();
  arg_any<int32_t>(op, x, outer, size, inner, y, k.arg_row_i32, k.arg_cols_i32);
}

void softmax(const float* x, int64_t rows, int64_t cols, float* y) { softmax_any(x, rows, cols, y, false); }

void log_softmax(const float* x, int64_t rows, int64_t cols, float* y) { softmax_any(x, rows, cols, y, true); }

}  // namespace kiln
