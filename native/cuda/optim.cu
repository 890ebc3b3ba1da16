// Fused optimizer updates on the GPU, bit-exact with the CPU kernels and tf.train.*:
// the library is built with --fmad=false, so every multiply and add rounds separately in
// the order tfjs runs its tensor ops, and division and sqrt are IEEE (no fast math).
// Hyperparameters are rounded to float32 on the host exactly as cpu/optim.cc does.
#include <cuda_runtime.h>

#include <string>

#include "kiln/cuda_kernels.h"
#include "kiln/errors.h"
#include "launch.h"

namespace kiln::cuda {
namespace {

using detail::grid_index;
using detail::grid_stride;

float f32(double v) { return static_cast<float>(v); }

__global__ void sgd_kernel(float* __restrict__ v, const float* __restrict__ g, int64_t n, float neg_lr) {
  for (int64_t i = grid_index(); i < n; i += grid_stride()) v[i] = neg_lr * g[i] + v[i];
}

__global__ void momentum_kernel(float* __restrict__ v, const float* __restrict__ g, float* __restrict__ accum,
                                int64_t n, float mo, float neg_lr, bool nesterov) {
  for (int64_t i = grid_index(); i < n; i += grid_stride()) {
    const float acc = mo * accum[i] + g[i];
    accum[i] = acc;
    v[i] = nesterov ? neg_lr * (g[i] + acc * mo) + v[i] : neg_lr * acc + v[i];
  }
}

struct AdamConsts {
  float beta1, one_minus_beta1, beta2, one_minus_beta2, one_minus_beta1_power, one_minus_beta2_power, epsilon, neg_lr;
};

__global__ void adam_kernel(float* __restrict__ v, const float* __restrict__ g, float* __restrict__ m,
                            float* __restrict__ sq, int64_t n, AdamConsts k) {
  for (int64_t i = grid_index(); i < n; i += grid_stride()) {
    const float gi = g[i];
    const float m1 = m[i] * k.beta1 + gi * k.one_minus_beta1;
    const float s1 = sq[i] * k.beta2 + (gi * gi) * k.one_minus_beta2;
    m[i] = m1;
    sq[i] = s1;
    const float mhat = m1 / k.one_minus_beta1_power;
    const float shat = s1 / k.one_minus_beta2_power;
    v[i] = (mhat / (sqrtf(shat) + k.epsilon)) * k.neg_lr + v[i];
  }
}

struct RmspropConsts {
  float decay, one_minus_decay, momentum, lr, epsilon;
};

__global__ void rmsprop_kernel(float* __restrict__ v, const float* __restrict__ g, float* __restrict__ ms,
                               float* __restrict__ mom, float* __restrict__ mg, int64_t n, RmspropConsts k) {
  for (int64_t i = grid_index(); i < n; i += grid_stride()) {
    const float gi = g[i];
    const float ms1 = ms[i] * k.decay + (gi * gi) * k.one_minus_decay;
    float mom1;
    if (mg) {
      const float mg1 = mg[i] * k.decay + gi * k.one_minus_decay;
      mom1 = mom[i] * k.momentum + (gi * k.lr) / sqrtf(ms1 - (mg1 * mg1 + k.epsilon));
      mg[i] = mg1;
    } else {
      mom1 = mom[i] * k.momentum + (gi * k.lr) / sqrtf(ms1 + k.epsilon);
    }
    ms[i] = ms1;
    mom[i] = mom1;
    v[i] = v[i] - mom1;
  }
}

void check_n(const char* op, int64_t n) {
  if (n < 0) throw ShapeError(std::string(op) + ": n must be >= 0");
}

}  // namespace

void sgd_update(Stream* s, float* v, const float* g, int64_t n, double lr) {
  check_n("sgdUpdate", n);
  if (n == 0) return;
  detail::OnStream on(s, "sgdUpdate");
  sgd_kernel<<<detail::blocks_for(n), detail::kThreads, 0, on.get()>>>(v, g, n, f32(-lr));
  on.launched();
}

void momentum_update(Stream* s, float* v, const float* g, float* accum, int64_t n, double lr, double momentum,
                     bool nesterov) {
  check_n("momentumUpdate", n);
  if (n == 0) return;
  detail::OnStream on(s, "momentumUpdate");
  momentum_kernel<<<detail::blocks_for(n), detail::kThreads, 0, on.get()>>>(v, g, accum, n, f32(momentum), f32(-lr),
                                                                            nesterov);
  on.launched();
}

void adam_update(Stream* s, float* v, const float* g, float* m, float* sq, int64_t n, double lr, double beta1,
                 double beta2, double epsilon, double beta1_power, double beta2_power) {
  check_n("adamUpdate", n);
  if (n == 0) return;
  // tfjs: sub(1, accBeta1) on the float32 variable accBeta1.
  const AdamConsts k{f32(beta1),      f32(1.0 - beta1), f32(beta2), f32(1.0 - beta2),
                     f32(1.0 - double(f32(beta1_power))), f32(1.0 - double(f32(beta2_power))), f32(epsilon),
                     f32(-lr)};
  detail::OnStream on(s, "adamUpdate");
  adam_kernel<<<detail::blocks_for(n), detail::kThreads, 0, on.get()>>>(v, g, m, sq, n, k);
  on.launched();
}

void rmsprop_update(Stream* s, float* v, const float* g, float* ms, float* mom, float* mg, int64_t n, double lr,
                    double decay, double momentum, double epsilon, bool centered) {
  check_n("rmspropUpdate", n);
  if (centered && mg == nullptr) throw ArgumentError("rmspropUpdate: centered needs the mean-gradient slot mg");
  if (n == 0) return;
  const RmspropConsts k{f32(decay), f32(1.0 - decay), f32(momentum), f32(lr), f32(epsilon)};
  detail::OnStream on(s, "rmspropUpdate");
  rmsprop_kernel<<<detail::blocks_for(n), detail::kThreads, 0, on.get()>>>(v, g, ms, mom, centered ? mg : nullptr, n, k);
  on.launched();
}

}  // namespace kiln::cuda
