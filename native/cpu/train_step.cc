// The compiled training step (kiln/train_step.h). Each stage below names the tfjs kiln
// kernel whose call it repeats; keep them in step when those kernels change, or the
// conformance test (test/backend/compiled-step.test.ts) fails.
#include "kiln/train_step.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "categorical.h"
#include "kiln/elementwise.h"
#include "kiln/errors.h"
#include "kiln/optim.h"
#include "kiln/reduce.h"
#include "kiln/sgemm.h"

namespace kiln::train {

int slots_per_param(const StepSpec& spec) {
  switch (spec.optimizer) {
    case Optimizer::kMomentum: return 1;
    case Optimizer::kAdam: return 2;
    case Optimizer::kRmsprop: return spec.centered ? 3 : 2;
    default: return 0;
  }
}

int hyper_count(Optimizer o) {
  switch (o) {
    case Optimizer::kMomentum: return 2;
    case Optimizer::kAdam: return 6;
    case Optimizer::kRmsprop: return 4;
    default: return 1;
  }
}

namespace {

Shape flat(int64_t n) {
  Shape s;
  s.rank = 1;
  s.dims[0] = n;
  return s;
}

// C = op(A) op(B) as the BatchMatMul / KilnDense kernels call it (kernels/matmul.ts).
void matmul(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* a, const float* b, float* c) {
  GemmShape s;
  s.trans_a = ta;
  s.trans_b = tb;
  s.m = m;
  s.n = n;
  s.k = k;
  s.lda = ta ? m : k;
  s.ldb = tb ? k : n;
  s.ldc = n;
  sgemm(s, 1.0f, a, b, 0.0f, c);
}

// KilnDenseBackprop's derivative ops (kernels/dense.ts GRAD_OP); -1: not supported.
int grad_op(Activation a) {
  switch (a) {
    case Activation::kRelu: return static_cast<int>(BinaryOp::kReluGrad);
    case Activation::kSigmoid: return static_cast<int>(BinaryOp::kSigmoidGrad);
    case Activation::kTanh: return static_cast<int>(BinaryOp::kTanhGrad);
    case Activation::kElu: return static_cast<int>(BinaryOp::kEluGrad);
    default: return -1;
  }
}

// Activations and gradients a step may buffer (8 GiB): beyond that a spec is an error,
// not an allocation attempt.
constexpr int64_t kMaxBufferValues = int64_t(1) << 31;

void fail(size_t layer, const std::string& what) {
  throw ShapeError("trainStep: layers[" + std::to_string(layer) + "]: " + what);
}

}  // namespace

struct TrainStep::Impl {
  StepSpec spec;
  int64_t capacity = 0;  // batch the buffers hold
  std::vector<std::vector<float>> out;    // each layer's output
  std::vector<std::vector<float>> grads;  // each parameter's gradient
  std::vector<float*> grad_ptrs;          // grads[i].data()
  std::vector<float> x_copy;              // begin()'s input, for backward()
  std::vector<float> dy, dx, dact, loss, metric, dloss;
  int64_t classes = 0;

  void reserve(int64_t batch) {
    if (batch <= capacity) return;
    int64_t widest = spec.input_size, total = 0;
    for (const LayerSpec& l : spec.layers) {
      widest = std::max(widest, l.out_size);
      total += l.out_size;
    }
    if (total + 3 * widest > kMaxBufferValues / batch)
      throw ShapeError("trainStep: batch " + std::to_string(batch) + " needs more than 2^31 buffered values");
    for (size_t i = 0; i < spec.layers.size(); ++i) out[i].assign(size_t(batch * spec.layers[i].out_size), 0.0f);
    for (auto* v : {&dy, &dx, &dact}) v->assign(size_t(batch * widest), 0.0f);
    for (auto* v : {&loss, &metric, &dloss}) v->assign(size_t(batch), 0.0f);
    capacity = batch;
  }

  void forward(const StepIo& io) {
    const int64_t n = io.batch;
    const float* x = io.x;
    for (size_t i = 0; i < spec.layers.size(); ++i) {
      const LayerSpec& l = spec.layers[i];
      float* y = out[i].data();
      switch (l.op) {
        case LayerOp::kDense: {  // KilnDense
          const float* b = l.bias >= 0 ? io.params[l.bias] : nullptr;
          if (l.in_size == 0) std::fill(y, y + n * l.out_size, 0.0f);
          else matmul(false, false, n, l.out_size, l.in_size, x, io.params[l.kernel], y);
          if (b || l.act != Activation::kLinear || l.softmax) bias_act(y, n, l.out_size, b, l.act, 0.0f);
          if (l.softmax) softmax(y, n, l.out_size, y);
          break;
        }
        case LayerOp::kDropout:  // tf.dropout: mul(x, multiplier)
          binary(BinaryOp::kMul, x, flat(n * l.in_size), io.masks[l.mask], flat(n * l.in_size), y,
                 flat(n * l.out_size));
          break;
        case LayerOp::kConv2D: {  // Conv2D, then Add (bias) and the activation kernel
          ConvGeometry g = l.conv;
          g.batch = n;
          conv2d(g, x, io.params[l.kernel], y);
          const float* b = l.bias >= 0 ? io.params[l.bias] : nullptr;
          if (b || l.act != Activation::kLinear) bias_act(y, n * g.out_h * g.out_w, g.out_c, b, l.act, 0.0f);
          break;
        }
        case LayerOp::kMaxPool:
        case LayerOp::kAvgPool: {
          PoolGeometry g = l.pool;
          g.batch = n;
          if (l.op == LayerOp::kMaxPool) max_pool(g, x, y);
          else avg_pool(g, x, y);
          break;
        }
      }
      x = y;
    }
  }

  // dy holds d loss / d output of layer i; leaves d loss / d input in dx (when needed).
  void backward_layer(const StepIo& io, float* const* grads, size_t i, const float* dy_in, float* dx_out,
                      bool need_dx) {
    const LayerSpec& l = spec.layers[i];
    const int64_t n = io.batch;
    const float* x = i == 0 ? io.x : out[i - 1].data();
    const float* y = out[i].data();
    const int64_t ny = n * l.out_size;
    // The activation's derivative (KilnDenseBackprop; the Relu gradient for conv).
    auto activation_grad = [&](int64_t rows, int64_t cols) -> const float* {
      if (l.softmax) {
        softmax_grad(dy_in, y, rows, cols, dact.data());
        return dact.data();
      }
      const int op = grad_op(l.act);
      if (op < 0) return dy_in;
      binary(static_cast<BinaryOp>(op), dy_in, flat(ny), y, flat(ny), dact.data(), flat(ny));
      return dact.data();
    };
    switch (l.op) {
      case LayerOp::kDense: {
        const float* g = activation_grad(n, l.out_size);
        if (l.bias >= 0) reduce(ReduceOp::kSum, g, 1, n, l.out_size, grads[l.bias]);
        matmul(true, false, l.in_size, l.out_size, n, x, g, grads[l.kernel]);
        if (need_dx) matmul(false, true, n, l.in_size, l.out_size, g, io.params[l.kernel], dx_out);
        break;
      }
      case LayerOp::kDropout:  // Mul's gradient: mul(dy, multiplier)
        if (need_dx) binary(BinaryOp::kMul, dy_in, flat(ny), io.masks[l.mask], flat(ny), dx_out, flat(ny));
        break;
      case LayerOp::kConv2D: {
        ConvGeometry cg = l.conv;
        cg.batch = n;
        const float* g = activation_grad(n * cg.out_h * cg.out_w, cg.out_c);
        if (l.bias >= 0) reduce(ReduceOp::kSum, g, 1, n * cg.out_h * cg.out_w, cg.out_c, grads[l.bias]);
        conv2d_backprop_filter(cg, x, g, grads[l.kernel]);
        if (need_dx) conv2d_backprop_input(cg, g, io.params[l.kernel], dx_out);
        break;
      }
      case LayerOp::kMaxPool:
      case LayerOp::kAvgPool: {
        if (!need_dx) break;
        PoolGeometry pg = l.pool;
        pg.batch = n;
        if (l.op == LayerOp::kMaxPool) max_pool_grad(pg, dy_in, x, dx_out);
        else avg_pool_grad(pg, dy_in, dx_out);
        break;
      }
    }
  }

  // The fused head (KilnCategoricalCrossentropy, its gradient, KilnCategoricalAccuracy)
  // and Mean's gradient, 1/batch per sample, as tfjs-layers' training function runs them.
  template <typename T>
  void head(const StepIo& io, float* mean_loss, float* mean_metric) {
    const int64_t n = io.batch;
    const T* y = static_cast<const T*>(io.y);
    const float* p = out.back().data();
    categorical_crossentropy<T>(y, p, n, classes, spec.epsilon, loss.data());
    reduce(ReduceOp::kMean, loss.data(), 1, n, 1, mean_loss);
    if (spec.metric == Metric::kCategoricalAccuracy) {
      categorical_accuracy<T>(y, p, n, classes, metric.data());
      reduce(ReduceOp::kMean, metric.data(), 1, n, 1, mean_metric);
    } else {
      *mean_metric = std::numeric_limits<float>::quiet_NaN();
    }
    const float share = 1.0f / static_cast<float>(n);
    std::fill(dloss.begin(), dloss.begin() + n, share);
    categorical_crossentropy_grad<T>(dloss.data(), y, p, n, classes, spec.epsilon, dy.data());
  }

  // Backward from the last layer; the input's own gradient is never needed. ready (when
  // given) hears each parameter once its layer is done.
  void backward(const StepIo& io, float* const* g, const std::function<void(int)>* ready) {
    float* dy_buf = dy.data();
    float* dx_buf = dx.data();
    for (size_t i = spec.layers.size(); i-- > 0;) {
      backward_layer(io, g, i, dy_buf, dx_buf, i > 0);
      std::swap(dy_buf, dx_buf);
      const LayerSpec& l = spec.layers[i];
      if (ready && l.kernel >= 0) (*ready)(l.kernel);
      if (ready && l.bias >= 0) (*ready)(l.bias);
    }
  }

  void update(const StepIo& io, const float* const* grads) {
    const double* h = io.hyper;
    const int per = slots_per_param(spec);
    for (size_t i = 0; i < spec.param_sizes.size(); ++i) {
      float* v = io.params[i];
      const float* g = grads[i];
      float* const* s = io.slots + i * per;
      const int64_t size = spec.param_sizes[i];
      switch (spec.optimizer) {
        case Optimizer::kSgd: sgd_update(v, g, size, h[0]); break;
        case Optimizer::kMomentum: momentum_update(v, g, s[0], size, h[0], h[1], spec.nesterov); break;
        case Optimizer::kAdam: adam_update(v, g, s[0], s[1], size, h[0], h[1], h[2], h[3], h[4], h[5]); break;
        case Optimizer::kRmsprop:
          rmsprop_update(v, g, s[0], s[1], spec.centered ? s[2] : nullptr, size, h[0], h[1], h[2], h[3],
                         spec.centered);
          break;
      }
    }
  }
};

TrainStep::TrainStep(StepSpec spec) : impl_(std::make_unique<Impl>()) {
  if (spec.layers.empty()) throw ShapeError("trainStep: layers must not be empty");
  if (spec.input_size < 1) throw ShapeError("trainStep: inputSize must be >= 1");
  const int params = static_cast<int>(spec.param_sizes.size());
  int64_t width = spec.input_size;
  for (size_t i = 0; i < spec.layers.size(); ++i) {
    const LayerSpec& l = spec.layers[i];
    if (l.in_size != width) fail(i, "inSize " + std::to_string(l.in_size) + " differs from the previous output " + std::to_string(width));
    if (l.out_size < 1 || l.out_size > kMaxBufferValues) fail(i, "outSize must be in [1, 2^31]");
    auto param = [&](int index, int64_t size, const char* name) {
      if (index < 0 || index >= params) fail(i, std::string(name) + " must index a parameter");
      if (spec.param_sizes[index] != size)
        fail(i, std::string(name) + " has " + std::to_string(spec.param_sizes[index]) + " values, expected " +
                    std::to_string(size));
    };
    const bool has_grad = grad_op(l.act) >= 0 || l.act == Activation::kLinear;
    switch (l.op) {
      case LayerOp::kDense:
        param(l.kernel, l.in_size * l.out_size, "kernel");
        if (l.bias >= 0) param(l.bias, l.out_size, "bias");
        if (!has_grad) fail(i, "activation has no compiled gradient");
        break;
      case LayerOp::kDropout:
        if (l.out_size != l.in_size) fail(i, "dropout keeps its size");
        if (l.mask < 0) fail(i, "mask must be >= 0");
        break;
      case LayerOp::kConv2D: {
        ConvGeometry g = l.conv;
        g.batch = 1;
        check_conv_geometry(g, "trainStep");
        if (g.x_size() != l.in_size || g.y_size() != l.out_size) fail(i, "conv geometry does not match its sizes");
        param(l.kernel, g.filter_size(), "kernel");
        if (l.bias >= 0) param(l.bias, g.out_c, "bias");
        if (l.softmax || !(l.act == Activation::kLinear || l.act == Activation::kRelu))
          fail(i, "conv2d takes a linear or relu activation");
        break;
      }
      case LayerOp::kMaxPool:
      case LayerOp::kAvgPool: {
        PoolGeometry g = l.pool;
        g.batch = 1;
        check_pool_geometry(g, "trainStep");
        if (g.x_size() != l.in_size || g.y_size() != l.out_size) fail(i, "pool geometry does not match its sizes");
        break;
      }
      default: fail(i, "unknown op");
    }
    width = l.out_size;
  }
  // Masks 0..M-1, one per dropout layer: the binding sizes mask i from its layer.
  std::vector<int> masks;
  for (const LayerSpec& l : spec.layers)
    if (l.op == LayerOp::kDropout) masks.push_back(l.mask);
  std::sort(masks.begin(), masks.end());
  for (size_t m = 0; m < masks.size(); ++m)
    if (masks[m] != static_cast<int>(m)) throw ShapeError("trainStep: dropout masks must be numbered 0..M-1, once each");
  int64_t param_values = 0;
  for (int64_t size : spec.param_sizes) {
    if (size < 1 || size > kMaxBufferValues - param_values) throw ShapeError("trainStep: parameters must hold 1 to 2^31 values in all");
    param_values += size;
  }
  impl_->classes = width;
  impl_->out.resize(spec.layers.size());
  impl_->grads.reserve(spec.param_sizes.size());
  for (int64_t size : spec.param_sizes) impl_->grads.emplace_back(size_t(size), 0.0f);
  for (auto& g : impl_->grads) impl_->grad_ptrs.push_back(g.data());
  impl_->spec = std::move(spec);
}

TrainStep::~TrainStep() = default;

const StepSpec& TrainStep::spec() const { return impl_->spec; }

void TrainStep::run(const StepIo& io, float* loss, float* metric) {
  Impl& s = *impl_;
  s.reserve(io.batch);
  s.forward(io);
  if (io.y_int32) s.head<int32_t>(io, loss, metric);
  else s.head<float>(io, loss, metric);
  s.backward(io, s.grad_ptrs.data(), nullptr);
  s.update(io, s.grad_ptrs.data());
}

void TrainStep::begin(const StepIo& io, float* loss, float* metric) {
  Impl& s = *impl_;
  s.reserve(io.batch);
  s.x_copy.assign(io.x, io.x + io.batch * s.spec.input_size);
  StepIo own = io;
  own.x = s.x_copy.data();
  s.forward(own);
  if (io.y_int32) s.head<int32_t>(own, loss, metric);
  else s.head<float>(own, loss, metric);
}

void TrainStep::backward(const StepIo& io, float* const* grads, const std::function<void(int)>& ready) {
  Impl& s = *impl_;
  StepIo own = io;
  own.x = s.x_copy.data();
  s.backward(own, grads, &ready);
}

void TrainStep::update(const StepIo& io, const float* const* grads) { impl_->update(io, grads); }

}  // namespace kiln::train
