// Softmax-head kernels: each loop mirrors the tfjs op chain it replaces, one float32
// rounding per op and row sums in double (tfjs-backend-cpu accumulates in JS numbers),
// so the fused kernel and the chain differ only where log/exp implementations do.
#pragma GCC optimize("fp-contract=off", "no-trapping-math")

#include "categorical.h"

#include <cmath>

#include "parallel.h"

namespace kiln {
namespace {

struct Clip {
  float lo, hi;
  // tfjs: ClipByValue(x, eps, 1 - eps), the bounds rounded to float32 like its scalars.
  explicit Clip(double eps) : lo(static_cast<float>(eps)), hi(static_cast<float>(1.0 - eps)) {}
  float operator()(float q) const { return q > hi ? hi : (q < lo ? lo : q); }
  // ClipByValue's gradient passes dy where lo <= x <= hi (so not for NaN).
  bool passes(float q) const { return q >= lo && q <= hi; }
};

float row_sum(const float* x, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += x[i];
  return static_cast<float>(s);
}

template <typename T>
int64_t argmax(const T* x, int64_t n) {
  int64_t best = 0;
  for (int64_t j = 1; j < n; ++j)
    if (x[j] > x[best]) best = j;
  return best;
}

}  // namespace

void softmax_grad(const float* dy, const float* y, int64_t rows, int64_t cols, float* dx) {
  detail::parallel_items(rows, cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float *g = dy + r * cols, *p = y + r * cols;
      float* out = dx + r * cols;
      double s = 0;
      for (int64_t j = 0; j < cols; ++j) s += g[j] * p[j];
      const float sf = static_cast<float>(s);
      for (int64_t j = 0; j < cols; ++j) out[j] = g[j] * p[j] - sf * p[j];
    }
  });
}

template <typename T>
void categorical_crossentropy(const T* target, const float* output, int64_t rows, int64_t cols, double eps,
                              float* loss) {
  const Clip clip(eps);
  detail::parallel_items(rows, cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* t = target + r * cols;
      const float* p = output + r * cols;
      const float s = row_sum(p, cols);
      double acc = 0;
      for (int64_t j = 0; j < cols; ++j) {
        const float q = clip(p[j] / s);
        // A zero target adds 0 * log(q) = 0 (q is clipped, so log(q) is finite) unless q
        // is NaN: one-hot targets need one log per row, not one per class.
        if (t[j] == T(0)) {
          if (q != q) acc += q;
          continue;
        }
        acc += static_cast<float>(t[j]) * static_cast<float>(std::log(double(q)));
      }
      loss[r] = -static_cast<float>(acc);
    }
  });
}

template <typename T>
void categorical_crossentropy_grad(const float* dy, const T* target, const float* output, int64_t rows,
                                   int64_t cols, double eps, float* dx) {
  const Clip clip(eps);
  detail::parallel_items(rows, cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* t = target + r * cols;
      const float* p = output + r * cols;
      float* out = dx + r * cols;
      const float s = row_sum(p, cols);
      const float neg_dy = -dy[r];
      // Through neg, sum, mul(target), log and clip: d[j] = clip' * (-dy * t) / q. out
      // holds d until the division's second term (through s = sum(output)) is known.
      double dot = 0;
      for (int64_t j = 0; j < cols; ++j) {
        const float q = p[j] / s;
        const float d = clip.passes(q) ? (neg_dy * static_cast<float>(t[j])) / clip(q) : 0.0f;
        out[j] = d;
        dot += d * p[j];
      }
      // RealDiv(output, s): d/s directly, and -(sum d * output) / s^2 through s to every class.
      const float ds = -(static_cast<float>(dot) / (s * s));
      for (int64_t j = 0; j < cols; ++j) out[j] = out[j] / s + ds;
    }
  });
}

template <typename T>
void categorical_accuracy(const T* y_true, const float* y_pred, int64_t rows, int64_t cols, float* out) {
  detail::parallel_items(rows, cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r)
      out[r] = argmax(y_true + r * cols, cols) == argmax(y_pred + r * cols, cols) ? 1.0f : 0.0f;
  });
}

#define KILN_CATEGORICAL(T)                                                                                       \
  template void categorical_crossentropy<T>(const T*, const float*, int64_t, int64_t, double, float*);         \
  template void categorical_crossentropy_grad<T>(const float*, const T*, const float*, int64_t, int64_t, double, \
                                                 float*);                                                       \
  template void categorical_accuracy<T>(const T*, const float*, int64_t, int64_t, float*);
KILN_CATEGORICAL(float)
KILN_CATEGORICAL(int32_t)
#undef KILN_CATEGORICAL

}  // namespace kiln
