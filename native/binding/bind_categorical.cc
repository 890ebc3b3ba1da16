// Softmax-head kernels; every array is rows x cols except loss / dy / out ([rows]):
// softmaxGrad(dy, y, rows, cols, dx)
// categoricalCrossentropy(target, output, rows, cols, epsilon, loss)
// categoricalCrossentropyGrad(dy, target, output, rows, cols, epsilon, dx)
// categoricalAccuracy(yTrue, yPred, rows, cols, out)
// target / yTrue: Float32Array or Int32Array (int one-hot labels); the rest Float32Array.
// Outputs must not overlap the inputs.
#include <string>

#include "../cpu/categorical.h"
#include "fast_args.h"
#include "kiln/checked.h"
#include "registry.h"

namespace kiln::binding {
namespace {

constexpr int64_t kMaxDim = int64_t(1) << 40;

struct Matrix {
  int64_t rows, cols;
};

// rows and cols at args i, i + 1, checked against every matrix argument's length.
Matrix matrix(const FastArgs& a, size_t i, std::initializer_list<std::pair<const char*, size_t>> mats) {
  const Matrix m{a.integer(i, "rows", 0, kMaxDim), a.integer(i + 1, "cols", 1, kMaxDim)};
  const int64_t n = checked_mul(m.rows, m.cols, a.fn(), "rows x cols");
  for (const auto& [name, length] : mats) check_length(a.fn(), name, length, n, "rows x cols");
  return m;
}

template <typename Out, typename... In>
void check_disjoint(const FastArgs& a, const char* out_name, const Out& out, const std::pair<const char*, In>&... in) {
  (check_output(a.fn(), out_name, out.data, out.length * 4, in.first, in.second.data, in.second.length * 4), ...);
}

FastArgs::Any labels(const FastArgs& a, size_t i, const char* name) {
  return a.typed(i, name, kF32 | kI32, "a Float32Array or an Int32Array");
}

// Calls f with the labels' data as const float* or const int32_t*.
template <typename F>
void with_labels(const FastArgs::Any& t, F&& f) {
  if (t.type == napi_float32_array) f(static_cast<const float*>(t.data));
  else f(static_cast<const int32_t*>(t.data));
}

void softmax_grad_js(const FastArgs& a) {
  const auto dy = a.f32(0, "dy"), y = a.f32(1, "y");
  const Matrix m = matrix(a, 2, {{"dy", dy.length}, {"y", y.length}});
  auto dx = a.f32(4, "dx");
  check_length(a.fn(), "dx", dx.length, m.rows * m.cols, "rows x cols");
  check_disjoint(a, "dx", dx, std::pair{"dy", dy}, std::pair{"y", y});
  softmax_grad(dy.data, y.data, m.rows, m.cols, dx.data);
}

void crossentropy_js(const FastArgs& a) {
  const auto target = labels(a, 0, "target");
  const auto output = a.f32(1, "output");
  const Matrix m = matrix(a, 2, {{"target", target.length}, {"output", output.length}});
  const double eps = a.number(4, "epsilon");
  auto loss = a.f32(5, "loss");
  check_length(a.fn(), "loss", loss.length, m.rows, "rows");
  check_disjoint(a, "loss", loss, std::pair{"target", target}, std::pair{"output", output});
  with_labels(target, [&](auto t) { categorical_crossentropy(t, output.data, m.rows, m.cols, eps, loss.data); });
}

void crossentropy_grad_js(const FastArgs& a) {
  const auto dy = a.f32(0, "dy"), output = a.f32(2, "output");
  const auto target = labels(a, 1, "target");
  const Matrix m = matrix(a, 3, {{"target", target.length}, {"output", output.length}});
  check_length(a.fn(), "dy", dy.length, m.rows, "rows");
  const double eps = a.number(5, "epsilon");
  auto dx = a.f32(6, "dx");
  check_length(a.fn(), "dx", dx.length, m.rows * m.cols, "rows x cols");
  check_disjoint(a, "dx", dx, std::pair{"dy", dy}, std::pair{"target", target}, std::pair{"output", output});
  with_labels(target, [&](auto t) {
    categorical_crossentropy_grad(dy.data, t, output.data, m.rows, m.cols, eps, dx.data);
  });
}

void accuracy_js(const FastArgs& a) {
  const auto y_true = labels(a, 0, "yTrue");
  const auto y_pred = a.f32(1, "yPred");
  const Matrix m = matrix(a, 2, {{"yTrue", y_true.length}, {"yPred", y_pred.length}});
  auto out = a.f32(4, "out");
  check_length(a.fn(), "out", out.length, m.rows, "rows");
  check_disjoint(a, "out", out, std::pair{"yTrue", y_true}, std::pair{"yPred", y_pred});
  with_labels(y_true, [&](auto t) { categorical_accuracy(t, y_pred.data, m.rows, m.cols, out.data); });
}

}  // namespace

void register_categorical(Napi::Env env, Napi::Object exports) {
  define_fast(env, exports, "softmaxGrad", fast_entry<softmax_grad_js>);
  define_fast(env, exports, "categoricalCrossentropy", fast_entry<crossentropy_js>);
  define_fast(env, exports, "categoricalCrossentropyGrad", fast_entry<crossentropy_grad_js>);
  define_fast(env, exports, "categoricalAccuracy", fast_entry<accuracy_js>);
}

KILN_BINDING(register_categorical);

}  // namespace kiln::binding
