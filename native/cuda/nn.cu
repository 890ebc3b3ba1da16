// Inference batch norm and the bias + activation epilogue on the GPU, the same formulas
// (and activation functions) as the CPU kernels, so a fused epilogue and the separate
// activation kernel agree exactly on the device.
#include <cuda_runtime.h>

#include <string>

#include "device_math.cuh"
#include "kiln/cuda_kernels.h"
#include "kiln/errors.h"
#include "launch.h"

namespace kiln::cuda {
namespace {

using detail::grid_index;
using detail::grid_stride;

// A batch-norm parameter as the kernel reads it: one value, one per channel, or one per
// element; `fallback` when absent.
struct Param {
  const float* data;
  int64_t length;
  float fallback;
};

__device__ __forceinline__ float at(const Param& p, int64_t i, int64_t channels) {
  if (p.data == nullptr) return p.fallback;
  return p.length == 1 ? p.data[0] : p.data[p.length == channels ? i % channels : i];
}

__global__ void batch_norm_kernel(const float* __restrict__ x, int64_t n, int64_t channels, Param mean, Param var,
                                  Param offset, Param scale, float eps, float* y) {
  for (int64_t i = grid_index(); i < n; i += grid_stride())
    y[i] = at(offset, i, channels) + (x[i] - at(mean, i, channels)) * at(scale, i, channels) /
                                         sqrtf(at(var, i, channels) + eps);
}

__global__ void bias_act_kernel(float* y, int64_t n, int64_t cols, const float* __restrict__ bias, int act,
                                float alpha) {
  for (int64_t i = grid_index(); i < n; i += grid_stride()) {
    const float v = bias ? y[i] + bias[i % cols] : y[i];
    y[i] = detail::activation(act, v, alpha);
  }
}

Param param(const char* name, NormParam p, float fallback, int64_t n, int64_t channels) {
  if (p.data != nullptr && p.length != 1 && p.length != channels && p.length != n)
    throw ShapeError(std::string("batchNorm: ") + name + " has " + std::to_string(p.length) + " values; expected 1, " +
                     std::to_string(channels) + " (channels) or " + std::to_string(n) + " (all of x)");
  return Param{p.data, p.length, fallback};
}

}  // namespace

void batch_norm(Stream* s, const float* x, int64_t n, int64_t channels, NormParam mean, NormParam variance,
                NormParam offset, NormParam scale, float epsilon, float* y) {
  if (channels < 1 || n < 0 || n % channels != 0)
    throw ShapeError("batchNorm: x has " + std::to_string(n) + " values, not a multiple of " +
                     std::to_string(channels) + " channels");
  const Param m = param("mean", mean, 0.0f, n, channels), v = param("variance", variance, 1.0f, n, channels);
  const Param o = param("offset", offset, 0.0f, n, channels), sc = param("scale", scale, 1.0f, n, channels);
  if (n == 0) return;
  detail::OnStream on(s, "batchNorm");
  batch_norm_kernel<<<detail::blocks_for(n), detail::kThreads, 0, on.get()>>>(x, n, channels, m, v, o, sc, epsilon, y);
  on.launched();
}

void bias_act(Stream* s, float* y, int64_t rows, int64_t cols, const float* bias, Activation act, float alpha) {
  if (rows < 0 || cols < 1) throw ShapeError("biasAct: rows must be >= 0 and cols >= 1");
  const int64_t n = rows * cols;
  if (n == 0 || (bias == nullptr && act == Activation::kLinear)) return;
  detail::OnStream on(s, "biasAct");
  bias_act_kernel<<<detail::blocks_for(n), detail::kThreads, 0, on.get()>>>(y, n, cols, bias, int(act), alpha);
  on.launched();
}

}  // namespace kiln::cuda
