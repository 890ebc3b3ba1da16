// Fused neural-network kernels of the tfjs "kiln" backend: inference batch norm and
// the bias + activation epilogue of _FusedMatMul / FusedConv2D.
#pragma once
#include <cstdint>

namespace kiln {

/// tfjs fused activations (prelu is not here: it needs a weights tensor).
enum class Activation : int { kLinear = 0, kRelu, kRelu6, kElu, kSigmoid, kLeakyRelu, kTanh };
constexpr int kActivationCount = 7;

/// One batch-norm parameter: `length` values that repeat along x (1, the channel count,
/// or all of x, like tfjs's cycling index); data == nullptr means "not given".
struct NormParam {
  const float* data = nullptr;
  int64_t length = 0;
};

/// y = offset + (x - mean) * scale / sqrt(variance + epsilon) over n values of x whose
/// last dim is `channels`; offset / scale default to 0 / 1. y may be x. Each given
/// parameter must hold 1, channels or n values (ShapeError otherwise).
void batch_norm(const float* x, int64_t n, int64_t channels, NormParam mean, NormParam variance, NormParam offset,
                NormParam scale, float epsilon, float* y);

/// In place: y[r, c] = act(y[r, c] + bias[c]); bias may be null. alpha is LeakyRelu's.
void bias_act(float* y, int64_t rows, int64_t cols, const float* bias, Activation act, float alpha);

}  // namespace kiln
