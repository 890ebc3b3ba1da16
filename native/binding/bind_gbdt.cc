// Gradient-boosted trees (kiln/gbdt.h):
// gbdtCreate(x, rows, cols, y, validX | null, validRows, validY | null, params: Float64Array(13)) -> booster
//   bins the data; y holds class indices (classifiers) or targets (regression) as floats.
// gbdtBoost(booster, rounds) -> rounds run; gbdtBoostAsync(...) -> Promise of it (off the event loop)
// gbdtState(booster) -> { rounds, bestRounds, stopped, trainLoss, validLoss, trainAccuracy, validAccuracy }
// gbdtModel(booster, rounds) -> { feature, threshold, left, right, missingLeft, value, roots, baseScore }
//   the first `rounds` rounds' trees (-1: all), as fresh typed arrays
// gbdtLoad(booster, feature, threshold, left, right, missingLeft, value, roots, baseScore)
//   replays a checkpoint's trees before boosting on
// gbdtPredict(feature, threshold, left, right, missingLeft, value, roots, outputs, x, cols, out) and
// gbdtPredictAsync: out (rows x outputs) += the trees' outputs; the model is checked first.
#include <napi.h>

#include <atomic>
#include <memory>
#include <string>

#include "args.h"
#include "async.h"
#include "kiln/checked.h"
#include "kiln/gbdt.h"
#include "registry.h"

namespace kiln::binding {
namespace {

constexpr napi_type_tag kBoosterTag = {0x6b696c6e2d676264ULL, 0x3e71c0a95d2b8f64ULL};
constexpr int64_t kMaxRows = int64_t(1) << 40;

struct Box {
  std::unique_ptr<gbdt::Booster> booster;
  std::atomic<bool> busy{false};
};

// Marks the booster busy for one call: a second call while an async boost runs is refused.
class Claim {
 public:
  Claim(Box& box, const char* fn) : box_(box) {
    if (box_.busy.exchange(true)) throw ShapeError(std::string(fn) + ": the booster is busy (a boost is running)");
  }
  ~Claim() {
    if (!released_) box_.busy = false;
  }
  void keep() { released_ = true; }  // an async worker releases it when done

 private:
  Box& box_;
  bool released_ = false;
};

Box& booster_arg(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  napi_env env = info.Env();
  napi_value v = info[i];
  napi_valuetype t;
  bool tagged = false;
  void* data = nullptr;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external ||
      napi_check_object_type_tag(env, v, &kBoosterTag, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, v, &data) != napi_ok)
    throw ArgumentError(std::string(fn) + ": booster must be a booster (gbdtCreate)");
  return *static_cast<Box*>(data);
}

// A Float32Array argument or null.
View<float> optional_f32(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  if (info[i].IsNull() || info[i].IsUndefined()) return {nullptr, 0};
  return f32_arg(info, i, fn, name);
}

Napi::Value create_js(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "gbdtCreate";
  return guarded(info.Env(), [&]() -> Napi::Value {
    const View<float> x = f32_arg(info, 0, fn, "x");
    const int64_t rows = int_arg(info, 1, fn, "rows", 1, kMaxRows), cols = int_arg(info, 2, fn, "cols", 1, kMaxRows);
    const View<float> y = f32_arg(info, 3, fn, "y");
    const View<float> vx = optional_f32(info, 4, fn, "validX");
    const int64_t vrows = int_arg(info, 5, fn, "validRows", 0, kMaxRows);
    const View<float> vy = optional_f32(info, 6, fn, "validY");
    const auto params = typed_arg<double>(info, 7, fn, "params", napi_float64_array, "Float64Array");
    if (int64_t(x.length) != checked_mul(rows, cols, fn, "rows x cols"))
      throw ShapeError(std::string(fn) + ": x has " + std::to_string(x.length) + " elements; expected rows x cols = " +
                       std::to_string(rows) + "x" + std::to_string(cols));
    if (int64_t(y.length) != rows) throw ShapeError(std::string(fn) + ": y must hold rows values");
    if ((vx.data == nullptr) != (vy.data == nullptr) || (vx.data == nullptr && vrows != 0))
      throw ShapeError(std::string(fn) + ": validX and validY come together (validRows 0 without them)");
    if (vx.data && (int64_t(vx.length) != checked_mul(vrows, cols, fn, "validRows x cols") ||
                    int64_t(vy.length) != vrows))
      throw ShapeError(std::string(fn) + ": validX must hold validRows x cols values and validY validRows");
    if (params.length != size_t(gbdt::kParamCount))
      throw ShapeError(std::string(fn) + ": params must hold " + std::to_string(gbdt::kParamCount) + " values");
    const gbdt::Params p = gbdt::params_from(params.data);
    auto box = std::make_unique<Box>();
    box->booster = std::make_unique<gbdt::Booster>(x.data, rows, cols, y.data, vx.data, vrows, vy.data, p);
    napi_value out;
    Box* raw = box.release();
    auto finalize = [](napi_env, void* data, void*) { delete static_cast<Box*>(data); };
    if (napi_create_external(info.Env(), raw, finalize, nullptr, &out) != napi_ok ||
        napi_type_tag_object(info.Env(), out, &kBoosterTag) != napi_ok) {
      delete raw;
      throw NativeError("INTERNAL", "gbdt", "cpu", "gbdtCreate: could not create a handle");
    }
    return Napi::Value(info.Env(), out);
  });
}

class BoostWorker : public Napi::AsyncWorker {
 public:
  BoostWorker(Napi::Env env, Box& box, int rounds, Napi::Value handle)
      : Napi::AsyncWorker(env, "kiln.gbdtBoost"), box_(box), rounds_(rounds),
        deferred_(Napi::Promise::Deferred::New(env)) {
    handle_ = Napi::Persistent(handle.As<Napi::Object>());
  }
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      done_ = box_.booster->boost(rounds_);
    } catch (...) {
      error_ = std::current_exception();
    }
  }
  void OnOK() override {
    box_.busy = false;
    if (error_) deferred_.Reject(to_js_error(Env(), error_).Value());
    else deferred_.Resolve(Napi::Number::New(Env(), done_));
  }

 private:
  Box& box_;
  int rounds_, done_ = 0;
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference handle_;
  std::exception_ptr error_;
};

Napi::Value boost_js(const Napi::CallbackInfo& info, bool async) {
  const char* fn = async ? "gbdtBoostAsync" : "gbdtBoost";
  return guarded(info.Env(), [&]() -> Napi::Value {
    Box& box = booster_arg(info, 0, fn);
    const int rounds = int(int_arg(info, 1, fn, "rounds", 0, 1 << 24));
    Claim claim(box, fn);
    if (!async) return Napi::Number::New(info.Env(), box.booster->boost(rounds));
    auto* worker = new BoostWorker(info.Env(), box, rounds, info[0]);
    claim.keep();
    Napi::Promise p = worker->promise();
    worker->Queue();
    return p;
  });
}

Napi::Value state_js(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Box& box = booster_arg(info, 0, "gbdtState");
    Claim claim(box, "gbdtState");
    const gbdt::Booster& b = *box.booster;
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("rounds", b.rounds());
    o.Set("bestRounds", b.best_rounds());
    o.Set("stopped", b.stopped());
    o.Set("trainLoss", b.train_loss());
    o.Set("validLoss", b.valid_loss());
    o.Set("trainAccuracy", b.train_accuracy());
    o.Set("validAccuracy", b.valid_accuracy());
    return o;
  });
}

template <class T, class A>
A copy_out(Napi::Env env, const std::vector<T>& v) {
  A a = A::New(env, v.size());
  std::copy(v.begin(), v.end(), a.Data());
  return a;
}

Napi::Value model_js(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Box& box = booster_arg(info, 0, "gbdtModel");
    const int rounds = int(int_arg(info, 1, "gbdtModel", "rounds", -1, 1 << 24));
    Claim claim(box, "gbdtModel");
    const gbdt::Model m = box.booster->model(rounds);
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("feature", copy_out<int32_t, Napi::Int32Array>(env, m.feature));
    o.Set("threshold", copy_out<float, Napi::Float32Array>(env, m.threshold));
    o.Set("left", copy_out<int32_t, Napi::Int32Array>(env, m.left));
    o.Set("right", copy_out<int32_t, Napi::Int32Array>(env, m.right));
    o.Set("missingLeft", copy_out<uint8_t, Napi::Uint8Array>(env, m.missing_left));
    o.Set("value", copy_out<float, Napi::Float32Array>(env, m.value));
    o.Set("roots", copy_out<int32_t, Napi::Int32Array>(env, m.roots));
    o.Set("baseScore", copy_out<float, Napi::Float32Array>(env, m.base_score));
    return o;
  });
}

// The seven node and tree arrays at `first`, all node arrays of one length.
gbdt::ModelView model_args(const Napi::CallbackInfo& info, size_t first, const char* fn) {
  const auto feature = i32_arg(info, first, fn, "feature");
  const auto threshold = f32_arg(info, first + 1, fn, "threshold");
  const auto left = i32_arg(info, first + 2, fn, "left");
  const auto right = i32_arg(info, first + 3, fn, "right");
  const auto missing = typed_arg<uint8_t>(info, first + 4, fn, "missingLeft", napi_uint8_array, "Uint8Array");
  const auto value = f32_arg(info, first + 5, fn, "value");
  const auto roots = i32_arg(info, first + 6, fn, "roots");
  const size_t n = feature.length;
  if (threshold.length != n || left.length != n || right.length != n || missing.length != n || value.length != n)
    throw ShapeError(std::string(fn) + ": feature, threshold, left, right, missingLeft and value must have one "
                     "length (one entry per node)");
  return {feature.data, threshold.data, left.data, right.data, missing.data, value.data, int64_t(n), roots.data,
          int64_t(roots.length)};
}

Napi::Value load_js(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "gbdtLoad";
  return guarded(info.Env(), [&]() -> Napi::Value {
    Box& box = booster_arg(info, 0, fn);
    const gbdt::ModelView m = model_args(info, 1, fn);
    const View<float> base = f32_arg(info, 8, fn, "baseScore");
    if (int64_t(base.length) != box.booster->params().outputs())
      throw ShapeError(std::string(fn) + ": baseScore must hold one value per output column");
    Claim claim(box, fn);
    box.booster->load(m, base.data);
    return info.Env().Undefined();
  });
}

Napi::Value predict_js(const Napi::CallbackInfo& info, bool async) {
  const char* fn = async ? "gbdtPredictAsync" : "gbdtPredict";
  return guarded(info.Env(), [&]() -> Napi::Value {
    const gbdt::ModelView m = model_args(info, 0, fn);
    const int outputs = int(int_arg(info, 7, fn, "outputs", 1, 1 << 16));
    const View<float> x = f32_arg(info, 8, fn, "x");
    const int64_t cols = int_arg(info, 9, fn, "cols", 1, kMaxRows);
    const View<float> out = f32_arg(info, 10, fn, "out");
    if (int64_t(x.length) % cols != 0)
      throw ShapeError(std::string(fn) + ": x has " + std::to_string(x.length) + " values, not whole rows of " +
                       std::to_string(cols));
    const int64_t rows = int64_t(x.length) / cols;
    if (int64_t(out.length) != checked_mul(rows, outputs, fn, "rows x outputs"))
      throw ShapeError(std::string(fn) + ": out must hold rows x outputs = " + std::to_string(rows) + "x" +
                       std::to_string(outputs) + " values");
    check_no_overlap(out.data, out.length * 4, x.data, x.length * 4, fn, "out", "x");
    gbdt::check_model(m, cols, fn);
    const float* px = x.data;
    float* po = out.data;
    return run_kernel(info, async, [=] { gbdt::predict(m, outputs, px, rows, cols, po); });
  });
}

}  // namespace

void register_gbdt(Napi::Env env, Napi::Object exports) {
  exports.Set("gbdtCreate", Napi::Function::New(env, create_js, "gbdtCreate"));
  export_pair(env, exports, "gbdtBoost", boost_js);
  exports.Set("gbdtState", Napi::Function::New(env, state_js, "gbdtState"));
  exports.Set("gbdtModel", Napi::Function::New(env, model_js, "gbdtModel"));
  exports.Set("gbdtLoad", Napi::Function::New(env, load_js, "gbdtLoad"));
  export_pair(env, exports, "gbdtPredict", predict_js);
}

KILN_BINDING(register_gbdt);

}  // namespace kiln::binding
