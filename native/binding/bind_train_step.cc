// The compiled training step (kiln/train_step.h):
// trainStepCreate(spec: Float64Array, paramSizes: Float64Array) -> step handle
//   spec = [inputSize, layerCount, loss, epsilon, metric, optimizer, nesterov, centered]
//          then kTrainLayerFields values per layer:
//          [op, inSize, outSize, activation, softmax, kernel, bias, mask, geometry x 15, 0]
//          (geometry: conv2d's 15 or pooling's 12 values of convGeometry / poolGeometry;
//          the batch entry is ignored: each step sets it)
// trainStep(step, x, y, batch, params: Float32Array[], slots: Float32Array[],
//           masks: Float32Array[], hyper: Float64Array, out: Float32Array)
//   one step in place; out[0] = mean loss, out[1] = mean metric (NaN without one).
// The same step in parts, for gradients averaged while backward runs:
// trainStepBegin(step, x, y, batch, params, masks, out): forward and loss (out as above)
// trainStepBackward(step, batch, params, masks, grads: Float32Array[], ready(p)) -> Promise
//   backward on a worker thread into grads; ready(p) on this thread as each is final
// trainStepUpdate(step, params, slots, hyper, grads): the optimizer update with grads
// A step whose backward runs refuses every call until it settles.
#include <napi.h>

#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "args.h"
#include "kiln/checked.h"
#include "kiln/train_step.h"
#include "registry.h"

namespace kiln::binding {
namespace {

using train::LayerSpec;
using train::StepSpec;
using train::TrainStep;

constexpr napi_type_tag kStepTag = {0x6b696c6e2d737465ULL, 0x9a1c3e5f70b2d486ULL};
constexpr size_t kHeader = 8;
constexpr size_t kLayerFields = 24;
constexpr int64_t kMaxSize = int64_t(1) << 40;

// A spec value that must be an integer in [lo, hi].
int64_t spec_int(const double* v, size_t i, const std::string& what, int64_t lo, int64_t hi) {
  const double d = v[i];
  if (!(d >= double(lo) && d <= double(hi)) || d != double(int64_t(d)))
    throw ShapeError("trainStepCreate: " + what + " must be an integer in [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "], got " + std::to_string(d));
  return int64_t(d);
}

StepSpec parse_spec(const View<double>& v, const View<double>& sizes) {
  if (v.length < kHeader) throw ShapeError("trainStepCreate: spec must hold at least 8 values");
  const double* s = v.data;
  StepSpec spec;
  spec.input_size = spec_int(s, 0, "inputSize", 1, kMaxSize);
  const int64_t count = spec_int(s, 1, "layerCount", 1, 4096);
  if (v.length != kHeader + size_t(count) * kLayerFields)
    throw ShapeError("trainStepCreate: spec must hold 8 + layerCount x 24 values, got " + std::to_string(v.length));
  spec.loss = static_cast<train::Loss>(spec_int(s, 2, "loss", 0, 0));
  spec.epsilon = s[3];
  if (!(spec.epsilon > 0 && spec.epsilon < 0.5)) throw ShapeError("trainStepCreate: epsilon must be in (0, 0.5)");
  spec.metric = static_cast<train::Metric>(spec_int(s, 4, "metric", 0, 1));
  spec.optimizer = static_cast<train::Optimizer>(spec_int(s, 5, "optimizer", 0, 3));
  spec.nesterov = spec_int(s, 6, "nesterov", 0, 1) == 1;
  spec.centered = spec_int(s, 7, "centered", 0, 1) == 1;
  for (size_t i = 0; i < sizes.length; ++i)
    spec.param_sizes.push_back(spec_int(sizes.data, i, "paramSizes[" + std::to_string(i) + "]", 1, kMaxSize));
  for (int64_t i = 0; i < count; ++i) {
    const double* f = s + kHeader + size_t(i) * kLayerFields;
    const std::string at = "layers[" + std::to_string(i) + "].";
    auto field = [&](size_t k, const char* name, int64_t lo, int64_t hi) {
      return spec_int(f, k, at + name, lo, hi);
    };
    LayerSpec l;
    l.op = static_cast<train::LayerOp>(field(0, "op", 0, 4));
    l.in_size = field(1, "inSize", 1, kMaxSize);
    l.out_size = field(2, "outSize", 1, kMaxSize);
    l.act = static_cast<Activation>(field(3, "activation", 0, kActivationCount - 1));
    l.softmax = field(4, "softmax", 0, 1) == 1;
    l.kernel = static_cast<int>(field(5, "kernel", -1, 1 << 20));
    l.bias = static_cast<int>(field(6, "bias", -1, 1 << 20));
    l.mask = static_cast<int>(field(7, "mask", -1, 1 << 20));
    int32_t geom[15];
    for (int g = 0; g < 15; ++g) geom[g] = static_cast<int32_t>(field(8 + g, "geometry", 0, 1 << 30));
    geom[0] = 1;  // batch: set per step
    if (l.op == train::LayerOp::kConv2D) l.conv = make_conv_geometry(geom, "trainStepCreate");
    if (l.op == train::LayerOp::kMaxPool || l.op == train::LayerOp::kAvgPool)
      l.pool = make_pool_geometry(geom, "trainStepCreate");
    spec.layers.push_back(l);
  }
  return spec;
}

Napi::Value create_js(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const auto spec = typed_arg<double>(info, 0, "trainStepCreate", "spec", napi_float64_array, "Float64Array");
    const auto sizes = typed_arg<double>(info, 1, "trainStepCreate", "paramSizes", napi_float64_array, "Float64Array");
    auto step = std::make_unique<TrainStep>(parse_spec(spec, sizes));
    napi_env env = info.Env();
    napi_value out;
    auto finalize = [](napi_env, void* data, void*) { delete static_cast<TrainStep*>(data); };
    if (napi_create_external(env, step.get(), finalize, nullptr, &out) != napi_ok)
      throw NativeError("INTERNAL", "trainStepCreate", "cpu", "cannot create the step handle");
    step.release();
    napi_type_tag_object(env, out, &kStepTag);
    return Napi::Value(env, out);
  });
}

TrainStep& step_arg(const Napi::CallbackInfo& info, size_t i) {
  napi_env env = info.Env();
  napi_valuetype t;
  bool tagged = false;
  void* data = nullptr;
  if (napi_typeof(env, info[i], &t) != napi_ok || t != napi_external ||
      napi_check_object_type_tag(env, info[i], &kStepTag, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, info[i], &data) != napi_ok)
    throw ArgumentError("trainStep: step must be a handle from trainStepCreate");
  return *static_cast<TrainStep*>(data);
}

// An array of `count` Float32Arrays, each of exactly `length(i)` values.
template <typename Length>
std::vector<float*> f32_list(const Napi::CallbackInfo& info, size_t arg, const char* name, size_t count,
                             Length length) {
  if (!info[arg].IsArray()) throw ArgumentError(std::string("trainStep: ") + name + " must be an array");
  Napi::Array list = info[arg].As<Napi::Array>();
  if (list.Length() != count)
    throw ShapeError(std::string("trainStep: ") + name + " must hold " + std::to_string(count) + " arrays, got " +
                     std::to_string(list.Length()));
  std::vector<float*> out(count);
  for (size_t i = 0; i < count; ++i) {
    Napi::Value v = list.Get(uint32_t(i));
    const std::string at = std::string(name) + "[" + std::to_string(i) + "]";
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      throw ArgumentError("trainStep: " + at + " must be a Float32Array");
    auto arr = v.As<Napi::Float32Array>();
    if (int64_t(arr.ElementLength()) != length(i))
      throw ShapeError("trainStep: " + at + " has " + std::to_string(arr.ElementLength()) + " values, expected " +
                       std::to_string(length(i)));
    out[i] = arr.Data();
  }
  return out;
}

// Steps whose backward runs on a libuv thread. Per JS thread: a step belongs to the
// environment (main or worker thread) that made it, and its OnOK runs there; one set shared
// by every thread was a data race (data-parallel ranks in threads of one process corrupted
// the heap: test/dp/equivalence died by SIGSEGV in a full run).
thread_local std::unordered_set<const TrainStep*> g_busy;

TrainStep& idle_step_arg(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  TrainStep& step = step_arg(info, i);
  if (g_busy.count(&step))
    throw ArgumentError(std::string(fn) + ": step is busy (its backward pass has not settled)");
  return step;
}

// params (at arg) and the dropout masks (at arg_masks) of a batch of `batch`.
void params_and_masks(const Napi::CallbackInfo& info, const char* fn, const StepSpec& spec, int64_t batch,
                      size_t arg, size_t arg_masks, std::vector<float*>& params, std::vector<float*>& masks) {
  const auto& sizes = spec.param_sizes;
  params = f32_list(info, arg, "params", sizes.size(), [&](size_t i) { return sizes[i]; });
  // Mask i belongs to the dropout layer that names it; every mask must have one.
  std::vector<int64_t> mask_len;
  for (const LayerSpec& l : spec.layers)
    if (l.op == train::LayerOp::kDropout) {
      if (mask_len.size() <= size_t(l.mask)) mask_len.resize(size_t(l.mask) + 1, -1);
      mask_len[l.mask] = checked_mul(batch, l.out_size, fn, "batch x size");
    }
  masks = f32_list(info, arg_masks, "masks", mask_len.size(), [&](size_t i) { return mask_len[i]; });
}

// x, y and batch at args 1-3, as trainStep and trainStepBegin take them.
void inputs(const Napi::CallbackInfo& info, const char* fn, const StepSpec& spec, train::StepIo& io) {
  io.batch = int_arg(info, 3, fn, "batch", 1, int64_t(1) << 24);
  const View<float> x = f32_arg(info, 1, fn, "x");
  if (int64_t(x.length) != checked_mul(io.batch, spec.input_size, fn, "batch x inputSize"))
    throw ShapeError("trainStep: x has " + std::to_string(x.length) + " values, expected batch x inputSize = " +
                     std::to_string(io.batch * spec.input_size));
  io.x = x.data;
  const int64_t classes = spec.layers.back().out_size;
  const int64_t y_len = checked_mul(io.batch, classes, fn, "batch x classes");
  if (info[2].IsTypedArray() && info[2].As<Napi::TypedArray>().TypedArrayType() == napi_int32_array) {
    const View<int32_t> y = i32_arg(info, 2, fn, "y");
    if (int64_t(y.length) != y_len) throw ShapeError("trainStep: y must hold batch x classes values");
    io.y = y.data;
    io.y_int32 = true;
  } else {
    const View<float> y = f32_arg(info, 2, fn, "y");
    if (int64_t(y.length) != y_len) throw ShapeError("trainStep: y must hold batch x classes values");
    io.y = y.data;
  }
}

// The optimizer's slots and hyperparameters at args `arg` and `arg_hyper`.
void slots_and_hyper(const Napi::CallbackInfo& info, const char* fn, const StepSpec& spec, size_t arg,
                     size_t arg_hyper, std::vector<float*>& slots, train::StepIo& io) {
  const auto& sizes = spec.param_sizes;
  const size_t per = size_t(train::slots_per_param(spec));
  slots = f32_list(info, arg, "slots", sizes.size() * per, [&](size_t i) { return sizes[i / per]; });
  const auto hyper = typed_arg<double>(info, arg_hyper, fn, "hyper", napi_float64_array, "Float64Array");
  if (int64_t(hyper.length) != train::hyper_count(spec.optimizer))
    throw ShapeError(std::string(fn) + ": hyper must hold " + std::to_string(train::hyper_count(spec.optimizer)) +
                     " values for this optimizer");
  io.slots = slots.data();
  io.hyper = hyper.data;
}

float* out_arg(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  const View<float> out = f32_arg(info, i, fn, "out");
  if (out.length < 2) throw ShapeError(std::string(fn) + ": out must hold 2 values");
  return out.data;
}

Napi::Value step_js(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "trainStep";
  return guarded(info.Env(), [&]() -> Napi::Value {
    TrainStep& step = idle_step_arg(info, 0, fn);
    const StepSpec& spec = step.spec();
    train::StepIo io;
    inputs(info, fn, spec, io);
    std::vector<float*> params, masks, slots;
    params_and_masks(info, fn, spec, io.batch, 4, 6, params, masks);
    slots_and_hyper(info, fn, spec, 5, 7, slots, io);
    float* out = out_arg(info, 8, fn);
    io.params = params.data();
    io.masks = masks.data();
    step.run(io, out, out + 1);
    return info.Env().Undefined();
  });
}

Napi::Value begin_js(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "trainStepBegin";
  return guarded(info.Env(), [&]() -> Napi::Value {
    TrainStep& step = idle_step_arg(info, 0, fn);
    const StepSpec& spec = step.spec();
    train::StepIo io;
    inputs(info, fn, spec, io);
    std::vector<float*> params, masks;
    params_and_masks(info, fn, spec, io.batch, 4, 5, params, masks);
    float* out = out_arg(info, 6, fn);
    io.params = params.data();
    io.masks = masks.data();
    step.begin(io, out, out + 1);
    return info.Env().Undefined();
  });
}

// Backward on a libuv thread (its kernels use the pool; a kernel the JS thread runs
// meanwhile finds the pool taken and runs inline); each final gradient is reported.
class BackwardWorker : public Napi::AsyncProgressQueueWorker<int> {
 public:
  BackwardWorker(const Napi::CallbackInfo& info, TrainStep& step, train::StepIo io, std::vector<float*> params,
                 std::vector<float*> masks, std::vector<float*> grads)
      : Napi::AsyncProgressQueueWorker<int>(info.Env(), "kiln.trainStepBackward"), step_(step), io_(io),
        params_(std::move(params)), masks_(std::move(masks)), grads_(std::move(grads)),
        deferred_(Napi::Promise::Deferred::New(info.Env())) {
    // The arrays stay alive (and the handle) while the worker reads them.
    for (size_t i : {0, 2, 3, 4}) keep_.push_back(Napi::Reference<Napi::Value>::New(info[i], 1));
    ready_ = Napi::Persistent(info[5].As<Napi::Function>());
    io_.params = params_.data();
    io_.masks = masks_.data();
  }
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute(const ExecutionProgress& progress) override {
    try {
      step_.backward(io_, grads_.data(), [&](int p) { progress.Send(&p, 1); });
    } catch (...) {
      error_ = std::current_exception();
    }
  }
  void OnProgress(const int* data, size_t count) override {
    Napi::HandleScope scope(Env());
    for (size_t i = 0; i < count; ++i) {
      if (js_error_) return;
      try {
        ready_.Call({Napi::Number::New(Env(), data[i])});
      } catch (const Napi::Error& e) {
        js_error_ = std::make_unique<Napi::Error>(e);
      }
    }
  }
  void OnOK() override {
    g_busy.erase(&step_);
    if (error_) deferred_.Reject(to_js_error(Env(), error_).Value());
    else if (js_error_) deferred_.Reject(js_error_->Value());
    else deferred_.Resolve(Env().Undefined());
  }
  void OnError(const Napi::Error& e) override {
    g_busy.erase(&step_);
    deferred_.Reject(e.Value());
  }

 private:
  TrainStep& step_;
  train::StepIo io_;
  std::vector<float*> params_, masks_, grads_;
  Napi::Promise::Deferred deferred_;
  std::vector<Napi::Reference<Napi::Value>> keep_;
  Napi::FunctionReference ready_;
  std::exception_ptr error_;
  std::unique_ptr<Napi::Error> js_error_;
};

Napi::Value backward_js(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "trainStepBackward";
  return guarded(info.Env(), [&]() -> Napi::Value {
    TrainStep& step = idle_step_arg(info, 0, fn);
    const StepSpec& spec = step.spec();
    train::StepIo io;
    io.batch = int_arg(info, 1, fn, "batch", 1, int64_t(1) << 24);
    std::vector<float*> params, masks;
    params_and_masks(info, fn, spec, io.batch, 2, 3, params, masks);
    const auto& sizes = spec.param_sizes;
    std::vector<float*> grads = f32_list(info, 4, "grads", sizes.size(), [&](size_t i) { return sizes[i]; });
    if (!info[5].IsFunction()) throw ArgumentError(std::string(fn) + ": ready must be a function");
    auto* worker = new BackwardWorker(info, step, io, std::move(params), std::move(masks), std::move(grads));
    g_busy.insert(&step);
    Napi::Promise p = worker->promise();
    worker->Queue();
    return p;
  });
}

Napi::Value update_js(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "trainStepUpdate";
  return guarded(info.Env(), [&]() -> Napi::Value {
    TrainStep& step = idle_step_arg(info, 0, fn);
    const StepSpec& spec = step.spec();
    const auto& sizes = spec.param_sizes;
    train::StepIo io;
    std::vector<float*> params = f32_list(info, 1, "params", sizes.size(), [&](size_t i) { return sizes[i]; });
    std::vector<float*> slots;
    slots_and_hyper(info, fn, spec, 2, 3, slots, io);
    std::vector<float*> grads = f32_list(info, 4, "grads", sizes.size(), [&](size_t i) { return sizes[i]; });
    io.params = params.data();
    step.update(io, grads.data());
    return info.Env().Undefined();
  });
}

}  // namespace

void register_train_step(Napi::Env env, Napi::Object exports) {
  exports.Set("trainStepCreate", Napi::Function::New(env, create_js, "trainStepCreate"));
  exports.Set("trainStep", Napi::Function::New(env, step_js, "trainStep"));
  exports.Set("trainStepBegin", Napi::Function::New(env, begin_js, "trainStepBegin"));
  exports.Set("trainStepBackward", Napi::Function::New(env, backward_js, "trainStepBackward"));
  exports.Set("trainStepUpdate", Napi::Function::New(env, update_js, "trainStepUpdate"));
}

KILN_BINDING(register_train_step);

}  // namespace kiln::binding
