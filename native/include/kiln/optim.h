// In-place optimizer updates that reproduce tf.train.* exactly: tfjs runs each step as
// separate float32 tensor ops, so these kernels round after every operation in the same
// order (and never fuse multiply-adds), with hyperparameters rounded to float32 the way
// tfjs turns them into scalar tensors. All arrays hold n floats and must not overlap.
#pragma once
#include <cstdint>

namespace kiln {

/// tf.train.sgd: v += -lr * g.
void sgd_update(float* v, const float* g, int64_t n, double lr);

/// tf.train.momentum: accum = momentum * accum + g; v += -lr * accum, or with Nesterov
/// v += -lr * (g + accum * momentum).
void momentum_update(float* v, const float* g, float* accum, int64_t n, double lr, double momentum, bool nesterov);

/// tf.train.adam; beta1_power / beta2_power are beta^t for this step (tfjs's accBeta1 /
/// accBeta2 before they are advanced).
void adam_update(float* v, const float* g, float* m, float* s, int64_t n, double lr, double beta1, double beta2,
                 double epsilon, double beta1_power, double beta2_power);

/// tf.train.rmsprop; mg (the mean gradient) is used, and must be given, only when centered.
void rmsprop_update(float* v, const float* g, float* ms, float* mom, float* mg, int64_t n, double lr, double decay,
                    double momentum, double epsilon, bool centered);

}  // namespace kiln
