// batchNorm(x, mean, variance, offset | null, scale | null, epsilon, y)
//   Parameters hold 1, C or x.length values, where C (x's last dim) is the shortest
//   parameter length other than 1. y may be x.
// biasAct(y, rows, cols, bias | null, act, alpha)   in place: y = act(y + bias)
#include <string>

#include "fast_args.h"
#include "kiln/checked.h"
#include "kiln/nn.h"
#include "registry.h"

namespace kiln::binding {
namespace {

void batch_norm_js(const FastArgs& a) {
  auto x = a.f32(0, "x");
  const char* names[4] = {"mean", "variance", "offset", "scale"};
  NormParam p[4];
  int64_t channels = 0;
  for (int i = 0; i < 4; ++i) {
    if (i >= 2 && a.nullish(size_t(1 + i))) continue;
    auto v = a.f32(size_t(1 + i), names[i]);
    if (v.length == 0) throw ShapeError(std::string("batchNorm: ") + names[i] + " is empty");
    p[i] = {v.data, int64_t(v.length)};
    if (v.length != 1 && (channels == 0 || int64_t(v.length) < channels)) channels = int64_t(v.length);
  }
  if (channels == 0) channels = 1;
  const float eps = static_cast<float>(a.number(5, "epsilon"));
  auto y = a.f32(6, "y");
  check_length(a.fn(), "y", y.length, int64_t(x.length), "the length of x");
  check_output(a.fn(), "y", y.data, y.length * 4, "x", x.data, x.length * 4, true);
  for (int i = 0; i < 4; ++i)
    if (p[i].data) check_output(a.fn(), "y", y.data, y.length * 4, names[i], p[i].data, size_t(p[i].length) * 4);
  batch_norm(x.data, int64_t(x.length), channels, p[0], p[1], p[2], p[3], eps, y.data);
}

void bias_act_js(const FastArgs& a) {
  auto y = a.f32(0, "y");
  const int64_t rows = a.integer(1, "rows", 0, int64_t(1) << 40), cols = a.integer(2, "cols", 0, int64_t(1) << 40);
  const int64_t n = checked_mul(rows, cols, a.fn(), "rows x cols");
  if (n != int64_t(y.length))
    throw ShapeError("biasAct: y has " + std::to_string(y.length) + " elements; expected rows x cols = " +
                     std::to_string(rows) + "x" + std::to_string(cols));
  const float* bias = nullptr;
  if (!a.nullish(3)) {
    auto b = a.f32(3, "bias");
    check_length(a.fn(), "bias", b.length, cols, "cols");
    check_output(a.fn(), "y", y.data, y.length * 4, "bias", b.data, b.length * 4);
    bias = b.data;
  }
  const int act = static_cast<int>(a.integer(4, "act", 0, kActivationCount - 1));
  const float alpha = static_cast<float>(a.number(5, "alpha"));
  bias_act(y.data, rows, cols, bias, static_cast<Activation>(act), alpha);
}

}  // namespace

void register_nn(Napi::Env env, Napi::Object exports) {
  define_fast(env, exports, "batchNorm", fast_entry<batch_norm_js>);
  define_fast(env, exports, "biasAct", fast_entry<bias_act_js>);
}

KILN_BINDING(register_nn);

}  // namespace kiln::binding
