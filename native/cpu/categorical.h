// Fused kernels of a softmax classifier head (the kiln backend's KilnDense softmax
// backprop, KilnCategoricalCrossentropy and KilnCategoricalAccuracy). Each one replaces
// a chain of tfjs ops and rounds to float32 where that chain does (sums in double, as
// tfjs-backend-cpu), so results stay within the conformance tolerances of the ops it
// replaces. All tensors are row-major rows x cols; the class axis is the last.
#pragma once
#include <cstdint>

namespace kiln {

/// Softmax backprop: dx = dy * y - sum_row(dy * y) * y (tfjs's Softmax gradient).
void softmax_grad(const float* dy, const float* y, int64_t rows, int64_t cols, float* dx);

/// Keras categorical cross-entropy of probabilities: with q = output / sum_row(output)
/// clipped to [eps, 1 - eps], loss[r] = -sum_row(target * log(q)). Targets may be
/// float32 or int32 (Keras casts them to float32; one-hot labels are often int32).
template <typename T>
void categorical_crossentropy(const T* target, const float* output, int64_t rows, int64_t cols, double eps,
                              float* loss);

/// Gradient of categorical_crossentropy with respect to output, given dy = dL/dloss[r].
template <typename T>
void categorical_crossentropy_grad(const float* dy, const T* target, const float* output, int64_t rows,
                                   int64_t cols, double eps, float* dx);

/// out[r] = 1 when argmax_row(y_true) == argmax_row(y_pred), else 0 (first maximum wins;
/// NaN never wins unless it comes first, like tfjs's ArgMax). y_true: float32 or int32.
template <typename T>
void categorical_accuracy(const T* y_true, const float* y_pred, int64_t rows, int64_t cols, float* out);

}  // namespace kiln
