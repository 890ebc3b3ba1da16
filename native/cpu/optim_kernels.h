// Optimizer kernels of one instruction set (optim_impl.h compiled per ISA). The
// constants arrive already rounded to float32 exactly as tfjs rounds them.
#pragma once
#include <cstdint>

namespace kiln::detail {

struct AdamConsts {
  float beta1, one_minus_beta1, beta2, one_minus_beta2;
  float one_minus_beta1_power, one_minus_beta2_power, epsilon, neg_lr;
};
struct MomentumConsts {
  float momentum, neg_lr;
  bool nesterov;
};
struct RmspropConsts {
  float decay, one_minus_decay, momentum, lr, epsilon;
};

struct OptimKernels {
  void (*sgd)(float* v, const float* g, int64_t n, float neg_lr);
  void (*momentum)(float* v, const float* g, float* accum, int64_t n, const MomentumConsts& c);
  void (*adam)(float* v, const float* g, float* m, float* s, int64_t n, const AdamConsts& c);
  void (*rmsprop)(float* v, const float* g, float* ms, float* mom, float* mg, int64_t n, const RmspropConsts& c);
};

extern const OptimKernels kOptimScalar;
extern const OptimKernels kOptimAvx2;
extern const OptimKernels kOptimAvx512;

}  // namespace kiln::detail
