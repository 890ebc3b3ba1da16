// Per-element math shared by the CUDA elementwise, nn and conv kernels, with the same
// rules as the CPU kernels (cpu/elementwise_impl.h, cpu/vec_math.h): tfjs's NaN and
// signed-zero behaviour, JS Math.max/min/pow/%, double where tfjs computes in double.
// Transcendentals are CUDA's accurate libdevice functions (the build never uses
// --use_fast_math), within a few ulp of the CPU's polynomials, not bit-identical.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "kiln/elementwise.h"
#include "kiln/nn.h"

namespace kiln::cuda::detail {

// tfjs backend_util.SELU_SCALE / SELU_SCALEALPHA, and Softplus's switch-over point
// (the largest float below |log(2^-23) + 2|).
constexpr float kSeluScale = 1.0507009873554804934193349852946f;
constexpr float kSeluScaleAlpha = 1.7580993408473768599402175208123f;
constexpr float kSoftplusCut = 13.942384719848633f;

__device__ __forceinline__ bool is_nan(float v) { return v != v; }

__device__ __forceinline__ float sigmoid(float x) {
  const float e = expf(-fabsf(x));  // never overflows: below x = -88 the result is subnormal, not 0
  const float s = 1.0f / (1.0f + e);
  return x >= 0.0f ? s : (is_nan(x) ? x : e * s);
}
__device__ __forceinline__ float relu(float v) { return v > 0.0f ? v : (is_nan(v) ? v : 0.0f); }
__device__ __forceinline__ float relu6(float v) { return is_nan(v) ? v : (v > 6.0f ? 6.0f : (v > 0.0f ? v : 0.0f)); }
__device__ __forceinline__ float elu(float v) { return v >= 0.0f ? v : expm1f(v); }
__device__ __forceinline__ float leaky_relu(float v, float alpha) { return v < 0.0f ? alpha * v : v; }

__device__ __forceinline__ float unary_op(int op, float v, float alpha, float beta) {
  switch (static_cast<UnaryOp>(op)) {
    case UnaryOp::kAbs: return fabsf(v);
    case UnaryOp::kNeg: return -v;
    case UnaryOp::kExp: return expf(v);
    case UnaryOp::kLog: return logf(v);
    case UnaryOp::kLog1p: return log1pf(v);
    case UnaryOp::kSqrt: return sqrtf(v);
    case UnaryOp::kRsqrt: return 1.0f / sqrtf(v);
    case UnaryOp::kSquare: return v * v;
    case UnaryOp::kSigmoid: return sigmoid(v);
    case UnaryOp::kTanh: return tanhf(v);
    case UnaryOp::kRelu: return relu(v);
    case UnaryOp::kElu: return elu(v);
    case UnaryOp::kErf: return erff(v);
    case UnaryOp::kFloor: return floorf(v);
    case UnaryOp::kStep: return is_nan(v) ? v : (v > 0.0f ? 1.0f : alpha);
    case UnaryOp::kClipByValue: return v > beta ? beta : (v < alpha ? alpha : v);
    case UnaryOp::kRelu6: return relu6(v);
    case UnaryOp::kCeil: return ceilf(v);
    case UnaryOp::kRound: return v == -0.5f ? 0.0f : rintf(v);  // tfjs rounds -0.5 to +0
    case UnaryOp::kSign: return v < 0.0f ? -1.0f : (v > 0.0f ? 1.0f : 0.0f);
    case UnaryOp::kReciprocal: return 1.0f / v;
    case UnaryOp::kLeakyRelu: return leaky_relu(v, alpha);
    case UnaryOp::kSelu: return v >= 0.0f ? kSeluScale * v : kSeluScaleAlpha * expm1f(v);
    case UnaryOp::kSoftplus: {
      const float e = expf(v);
      return v < -kSoftplusCut ? e : (v > kSoftplusCut ? v : log1pf(e));
    }
    case UnaryOp::kExpm1: return expm1f(v);
    case UnaryOp::kSin: return static_cast<float>(sin(double(v)));
    case UnaryOp::kCos: return static_cast<float>(cos(double(v)));
    case UnaryOp::kGelu: return 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
  }
  return v;
}

/// The fused epilogue activations (kiln/nn.h Activation), the same functions as unary_op.
__device__ __forceinline__ float activation(int act, float v, float alpha) {
  switch (static_cast<Activation>(act)) {
    case Activation::kLinear: return v;
    case Activation::kRelu: return relu(v);
    case Activation::kRelu6: return relu6(v);
    case Activation::kElu: return elu(v);
    case Activation::kSigmoid: return sigmoid(v);
    case Activation::kLeakyRelu: return leaky_relu(v, alpha);
    case Activation::kTanh: return tanhf(v);
  }
  return v;
}

// Math.max / Math.min: NaN wins, and +0 > -0.
__device__ __forceinline__ float js_max(float a, float b) {
  if (is_nan(a) || is_nan(b)) return a + b;
  if (a == b) return __int_as_float(__float_as_int(a) & __float_as_int(b));
  return a > b ? a : b;
}
__device__ __forceinline__ float js_min(float a, float b) {
  if (is_nan(a) || is_nan(b)) return a + b;
  if (a == b) return __int_as_float(__float_as_int(a) | __float_as_int(b));
  return a < b ? a : b;
}

__device__ __forceinline__ float binary_op(int op, float p, float q) {
  switch (static_cast<BinaryOp>(op)) {
    case BinaryOp::kAdd: return p + q;
    case BinaryOp::kSub: return p - q;
    case BinaryOp::kMul: return p * q;
    case BinaryOp::kDiv: return p / q;
    case BinaryOp::kMaximum: return js_max(p, q);
    case BinaryOp::kMinimum: return js_min(p, q);
    case BinaryOp::kPow:  // Math.pow: a NaN exponent and (+-1) ** (+-Inf) give NaN
      if (is_nan(q) || (fabsf(p) == 1.0f && isinf(q))) return __int_as_float(0x7fc00000);
      return static_cast<float>(pow(double(p), double(q)));
    case BinaryOp::kSquaredDifference: {
      const double d = double(p) - double(q);
      return static_cast<float>(d * d);
    }
    case BinaryOp::kEluGrad: return q >= 0.0f ? p : static_cast<float>(double(p) * (double(q) + 1.0));
    case BinaryOp::kReluGrad: return p * (q > 0.0f ? 1.0f : (is_nan(q) ? q : 0.0f));
    case BinaryOp::kFloorDiv: return static_cast<float>(floor(double(p) / double(q)));
    case BinaryOp::kMod: {  // JS % plus tfjs's fix-up toward the divisor's sign, in double
      const double r = fmod(double(p), double(q));
      if ((p < 0 && q < 0) || (p >= 0 && q >= 0)) return static_cast<float>(r);
      return static_cast<float>(fmod(r + double(q), double(q)));
    }
    case BinaryOp::kAtan2: return static_cast<float>(atan2(double(p), double(q)));
    case BinaryOp::kSigmoidGrad: return p * (q * (1.0f - q));
    case BinaryOp::kTanhGrad: return (1.0f - q * q) * p;
    case BinaryOp::kDivNoNan: return q == 0.0f ? 0.0f : p / q;
  }
  return p;
}

}  // namespace kiln::cuda::detail
