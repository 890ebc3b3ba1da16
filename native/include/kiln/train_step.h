// A whole training step of a Keras-style sequential model as one native call: forward,
// loss, backward and the optimizer update, planned once and run on buffers allocated
// once. Every stage calls the kernel, with the same arguments, that the tfjs "kiln"
// backend runs for that stage kernel by kernel (KilnDense, the fused cross-entropy head,
// Conv2D and its backprops, pooling, the fused optimizer updates), so a compiled step
// produces the per-kernel path's numbers. The parameters and optimizer slots are the
// caller's arrays (the tfjs variables), passed to each step and updated in place.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "kiln/conv.h"
#include "kiln/nn.h"
#include "kiln/pool.h"

namespace kiln::train {

enum class LayerOp : int { kDense = 0, kDropout, kConv2D, kMaxPool, kAvgPool };
enum class Loss : int { kCategoricalCrossentropy = 0 };
enum class Metric : int { kNone = 0, kCategoricalAccuracy };
enum class Optimizer : int { kSgd = 0, kMomentum, kAdam, kRmsprop };

struct LayerSpec {
  LayerOp op = LayerOp::kDense;
  int64_t in_size = 0, out_size = 0;     // values per sample
  Activation act = Activation::kLinear;  // dense, conv2d
  bool softmax = false;                  // dense: softmax after the linear epilogue
  int kernel = -1, bias = -1;            // parameter indices (dense, conv2d); -1: none
  int mask = -1;                         // dropout: index of its multiplier array
  ConvGeometry conv{};                   // conv2d, batch ignored
  PoolGeometry pool{};                   // pooling, batch ignored
};

struct StepSpec {
  int64_t input_size = 0;  // values per sample
  std::vector<LayerSpec> layers;
  Loss loss = Loss::kCategoricalCrossentropy;
  double epsilon = 1e-7;  // the cross-entropy's probability clip
  Metric metric = Metric::kNone;
  Optimizer optimizer = Optimizer::kSgd;
  bool nesterov = false, centered = false;
  std::vector<int64_t> param_sizes;  // values of each parameter
};

/// Optimizer slots per parameter (momentum: accum; adam: m, v; rmsprop: ms, mom[, mg]).
int slots_per_param(const StepSpec& spec);
/// Hyperparameters a step takes (sgd: lr; momentum: lr, momentum; adam: lr, beta1, beta2,
/// epsilon, beta1^t, beta2^t; rmsprop: lr, decay, momentum, epsilon).
int hyper_count(Optimizer o);

/// One step's inputs. Arrays are the caller's; lengths were checked by the binding.
struct StepIo {
  int64_t batch = 0;
  const float* x = nullptr;  // batch x input_size
  const void* y = nullptr;   // batch x classes, float32 or int32
  bool y_int32 = false;
  float* const* params = nullptr;       // param_sizes.size() arrays, updated in place
  float* const* slots = nullptr;        // slots_per_param per parameter, parameter-major
  const float* const* masks = nullptr;  // dropout multipliers, batch x out_size each
  const double* hyper = nullptr;
};

class TrainStep {
 public:
  /// Validates the spec (ShapeError naming the layer and field on a bad one).
  explicit TrainStep(StepSpec spec);
  ~TrainStep();
  const StepSpec& spec() const;
  /// Runs one step; returns the batch's mean loss and metric (NaN without a metric).
  void run(const StepIo& io, float* loss, float* metric);

  // The same step in three parts, for data-parallel training that averages gradients
  // while the backward pass runs (begin, backward on another thread, update once the
  // averages are in): run() equals begin + backward + update with the step's own grads.

  /// Forward pass and loss; keeps its own copy of io.x for backward.
  void begin(const StepIo& io, float* loss, float* metric);
  /// Backward pass of the last begin() into `grads` (one array per parameter); calls
  /// ready(p) once parameter p's gradient is final (last layer's first).
  void backward(const StepIo& io, float* const* grads, const std::function<void(int)>& ready);
  /// The optimizer update with the given gradients.
  void update(const StepIo& io, const float* const* grads);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kiln::train
