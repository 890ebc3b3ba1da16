// NN kernel bodies, compiled once per instruction set (define KILN_ISA first). The
// activations are the same formulas as the unary ops, so a fused epilogue gives exactly
// the bits of the separate tfjs kernels. fp-contract=off and no-trapping-math as in elementwise_impl.h.
#pragma GCC optimize("fp-contract=off", "no-trapping-math")

#include <cmath>
#include <cstdint>

#include "kiln/nn.h"
#include "nn_kernels.h"
#include "vec_math.h"

namespace kiln {
namespace KILN_ISA {
namespace {

void batch_norm(const float* x, const float* mean, const float* variance, const float* offset, const float* scale,
                float eps, float* y, int64_t n) {
#pragma GCC ivdep
  for (int64_t i = 0; i < n; ++i)
    y[i] = offset[i] + (x[i] - mean[i]) * scale[i] / std::sqrt(variance[i] + eps);
}

template <class F>
KILN_VINLINE void epilogue(float* y, const float* bias, int64_t n, F f) {
  if (bias) {
#pragma GCC ivdep
    for (int64_t i = 0; i < n; ++i) y[i] = f(y[i] + bias[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = f(y[i]);
  }
}

void bias_act(float* y, const float* bias, int64_t n, int act, float alpha) {
  switch (static_cast<Activation>(act)) {
    case Activation::kLinear: return epilogue(y, bias, n, [](float v) { return v; });
    case Activation::kRelu: return epilogue(y, bias, n, [](float v) { return act_relu(v); });
    case Activation::kRelu6: return epilogue(y, bias, n, [](float v) { return act_relu6(v); });
    case Activation::kElu: return epilogue(y, bias, n, [](float v) { return act_elu(v); });
    case Activation::kSigmoid: return epilogue(y, bias, n, [](float v) { return v_sigmoid(v); });
    case Activation::kLeakyRelu: return epilogue(y, bias, n, [=](float v) { return act_leaky_relu(v, alpha); });
    case Activation::kTanh: return epilogue(y, bias, n, [](float v) { return v_tanh(v); });
  }
}

}  // namespace

constexpr detail::NnKernels kNn = {batch_norm, bias_act};

}  // namespace KILN_ISA
}  // namespace kiln
