// Optimizer entry points: hyperparameters become float32 the way tfjs makes scalar
// tensors of them (JS double arithmetic first, e.g. 1 - beta1, then one rounding).
#include "kiln/optim.h"

#include "kiln/cpu_features.h"
#include "optim_kernels.h"
#include "parallel.h"

namespace kiln {
namespace {

const detail::OptimKernels& kernels() {
  switch (simd_level()) {
    case SimdLevel::kAvx512: return detail::kOptimAvx512;
    case SimdLevel::kAvx2: return detail::kOptimAvx2;
    default: return detail::kOptimScalar;
  }
}

float f32(double v) { return static_cast<float>(v); }

}  // namespace

void sgd_update(float* v, const float* g, int64_t n, double lr) {
  const auto& k = kernels();
  const float c = f32(-lr);
  detail::parallel_items(n, 1, [&](int64_t b, int64_t e) { k.sgd(v + b, g + b, e - b, c); });
}

void momentum_update(float* v, const float* g, float* accum, int64_t n, double lr, double momentum, bool nesterov) {
  const auto& k = kernels();
  const detail::MomentumConsts c{f32(momentum), f32(-lr), nesterov};
  detail::parallel_items(n, 2, [&](int64_t b, int64_t e) { k.momentum(v + b, g + b, accum + b, e - b, c); });
}

void adam_update(float* v, const float* g, float* m, float* s, int64_t n, double lr, double beta1, double beta2,
                 double epsilon, double beta1_power, double beta2_power) {
  const auto& k = kernels();
  // tfjs: sub(1, accBeta1) on the float32 variable accBeta1.
  const detail::AdamConsts c{f32(beta1),
                             f32(1.0 - beta1),
                             f32(beta2),
                             f32(1.0 - beta2),
                             f32(1.0 - double(f32(beta1_power))),
                             f32(1.0 - double(f32(beta2_power))),
                             f32(epsilon),
                             f32(-lr)};
  detail::parallel_items(n, 4, [&](int64_t b, int64_t e) { k.adam(v + b, g + b, m + b, s + b, e - b, c); });
}

void rmsprop_update(float* v, const float* g, float* ms, float* mom, float* mg, int64_t n, double lr, double decay,
                    double momentum, double epsilon, bool centered) {
  const auto& k = kernels();
  const detail::RmspropConsts c{f32(decay), f32(1.0 - decay), f32(momentum), f32(lr), f32(epsilon)};
  float* mean_grad = centered ? mg : nullptr;
  detail::parallel_items(n, 4, [&](int64_t b, int64_t e) {
    k.rmsprop(v + b, g + b, ms + b, mom + b, mean_grad ? mean_grad + b : nullptr, e - b, c);
  });
}

}  // namespace kiln
