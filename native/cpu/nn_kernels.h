// NN kernels of one instruction set (nn_impl.h compiled per ISA); nn.cc lays out the
// parameter tiles and threads.
#pragma once
#include <cstdint>

namespace kiln::detail {

struct NnKernels {
  // y[i] = offset[i] + (x[i] - mean[i]) * scale[i] / sqrt(variance[i] + eps), unit stride.
  void (*batch_norm)(const float* x, const float* mean, const float* variance, const float* offset,
                     const float* scale, float eps, float* y, int64_t n);
  // y[i] = act(y[i] + bias[i]) (bias may be null), unit stride.
  void (*bias_act)(float* y, const float* bias, int64_t n, int act, float alpha);
};

extern const NnKernels kNnScalar;
extern const NnKernels kNnAvx2;
extern const NnKernels kNnAvx512;

}  // namespace kiln::detail
