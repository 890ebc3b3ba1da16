// Optimizer kernel bodies, compiled once per instruction set (define KILN_ISA first).
// Each line is one tfjs tensor op, rounded to float before the next; fp-contract=off
// keeps the compiler from fusing a multiply into the following add, which would change
// the bits relative to tf.train.*. The callers guarantee the arrays do not overlap,
// hence __restrict (the loops then vectorize without runtime alias checks).
#pragma GCC optimize("fp-contract=off", "no-trapping-math")

#include <cmath>
#include <cstdint>

#include "optim_kernels.h"

namespace kiln {
namespace KILN_ISA {
namespace {

using detail::AdamConsts;
using detail::MomentumConsts;
using detail::RmspropConsts;

void sgd(float* __restrict v, const float* __restrict g, int64_t n, float neg_lr) {
  for (int64_t i = 0; i < n; ++i) v[i] = neg_lr * g[i] + v[i];
}

void momentum(float* __restrict v, const float* __restrict g, float* __restrict accum, int64_t n,
              const MomentumConsts& c) {
  const float mo = c.momentum, nlr = c.neg_lr;
  if (c.nesterov) {
    for (int64_t i = 0; i < n; ++i) {
      const float acc = mo * accum[i] + g[i];
      accum[i] = acc;
      v[i] = nlr * (g[i] + acc * mo) + v[i];
    }
  } else {
    for (int64_t i = 0; i < n; ++i) {
      const float acc = mo * accum[i] + g[i];
      accum[i] = acc;
      v[i] = nlr * acc + v[i];
    }
  }
}

void adam(float* __restrict v, const float* __restrict g, float* __restrict m, float* __restrict s, int64_t n,
          const AdamConsts& c) {
  const AdamConsts k = c;
  for (int64_t i = 0; i < n; ++i) {
    const float gi = g[i];
    const float m1 = m[i] * k.beta1 + gi * k.one_minus_beta1;
    const float s1 = s[i] * k.beta2 + (gi * gi) * k.one_minus_beta2;
    m[i] = m1;
    s[i] = s1;
    const float mhat = m1 / k.one_minus_beta1_power;
    const float shat = s1 / k.one_minus_beta2_power;
    v[i] = (mhat / (std::sqrt(shat) + k.epsilon)) * k.neg_lr + v[i];
  }
}

void rmsprop(float* __restrict v, const float* __restrict g, float* __restrict ms, float* __restrict mom,
             float* __restrict mg, int64_t n, const RmspropConsts& c) {
  const RmspropConsts k = c;
  if (mg) {
    for (int64_t i = 0; i < n; ++i) {
      const float gi = g[i];
      const float ms1 = ms[i] * k.decay + (gi * gi) * k.one_minus_decay;
      const float mg1 = mg[i] * k.decay + gi * k.one_minus_decay;
      const float step = (gi * k.lr) / std::sqrt(ms1 - (mg1 * mg1 + k.epsilon));
      const float mom1 = mom[i] * k.momentum + step;
      ms[i] = ms1;
      mg[i] = mg1;
      mom[i] = mom1;
      v[i] = v[i] - mom1;
    }
  } else {
    for (int64_t i = 0; i < n; ++i) {
      const float gi = g[i];
      const float ms1 = ms[i] * k.decay + (gi * gi) * k.one_minus_decay;
      const float mom1 = mom[i] * k.momentum + (gi * k.lr) / std::sqrt(ms1 + k.epsilon);
      ms[i] = ms1;
      mom[i] = mom1;
      v[i] = v[i] - mom1;
    }
  }
}

}  // namespace

constexpr detail::OptimKernels kOptim = {sgd, momentum, adam, rmsprop};

}  // namespace KILN_ISA
}  // namespace kiln
