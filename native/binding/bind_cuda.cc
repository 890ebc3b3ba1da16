// CUDA queries and kernels; compiled in both builds so JS sees the same functions
// either way. Without CUDA compiled in, or without a device, every kernel call fails
// with KilnNativeError NO_DEVICE (rejecting the Promise for the async forms).
#include <string>

#include "args.h"
#include "async.h"
#include "cuda_entry.h"
#include "gemm_args.h"
#include "kiln/cuda.h"
#include "registry.h"

namespace kiln::binding {
namespace {

constexpr const char* kNotCompiled = "addon built without CUDA (nvcc not found or KILN_CUDA=OFF)";
constexpr int64_t kMaxDevice = 1023;

[[noreturn, maybe_unused]] void not_compiled(const char* op, int64_t device) {
  const std::string label = "cuda:" + std::to_string(device);
  throw NativeError("NO_DEVICE", op, label, std::string(op) + " on " + label + ": no CUDA device: " + kNotCompiled);
}

Napi::Value device_count(const Napi::CallbackInfo& info) {
#if KILN_HAS_CUDA
  return Napi::Number::New(info.Env(), kiln::cuda::device_count());
#else
  return Napi::Number::New(info.Env(), 0);
#endif
}

Napi::Value cuda_info(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
#if KILN_HAS_CUDA
  o.Set("compiled", true);
  int n = kiln::cuda::device_count();
  o.Set("devices", n);
  o.Set("reason", n > 0 ? std::string() : kiln::cuda::unavailable_reason());
#else
  o.Set("compiled", false);
  o.Set("devices", 0);
  o.Set("reason", kNotCompiled);
#endif
  return o;
}

// cudaDeviceInfo(device) -> { name, totalMemory, major, minor, multiprocessors }
Napi::Value device_info(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const int64_t device = int_arg(info, 0, "cudaDeviceInfo", "device", 0, kMaxDevice);
#if KILN_HAS_CUDA
    const kiln::cuda::DeviceInfo d = kiln::cuda::device_info(static_cast<int>(device));
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("name", d.name);
    o.Set("totalMemory", static_cast<double>(d.total_memory));
    o.Set("major", d.major);
    o.Set("minor", d.minor);
    o.Set("multiprocessors", d.multiprocessors);
    return o;
#else
    not_compiled("deviceInfo", device);
#endif
  });
}

// cudaSgemm(device, transA, transB, batch, m, n, k, alpha, a, b, beta, c) over host
// Float32Arrays: same checks and semantics as sgemm, computed on cuda:device.
Napi::Value sgemm_js(const Napi::CallbackInfo& info, bool async) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const int device = static_cast<int>(int_arg(info, 0, "cudaSgemm", "device", 0, kMaxDevice));
    const GemmArgs g = gemm_args(info, 1, "cudaSgemm");
    return run_kernel(info, async, [device, g] {
#if KILN_HAS_CUDA
      kiln::cuda::sgemm_host(device, g.shape, g.batch, g.alpha, g.a.data, g.stride_a, g.b.data, g.stride_b, g.beta,
                             g.c.data, g.stride_c);
#else
      (void)g;
      not_compiled("MatMul", device);
#endif
    });
  });
}

// Times the kernel on the device (CUDA events) off the event loop.
class BenchWorker : public Napi::AsyncWorker {
 public:
  BenchWorker(Napi::Env env, int device, int64_t m, int64_t n, int64_t k, int iters, bool tf32)
      : Napi::AsyncWorker(env, "kiln.cudaSgemmBench"), deferred_(Napi::Promise::Deferred::New(env)),
        device_(device), m_(m), n_(n), k_(k), iters_(iters), tf32_(tf32) {}
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
#if KILN_HAS_CUDA
      ms_ = kiln::cuda::sgemm_bench(device_, m_, n_, k_, iters_, tf32_);
#else
      not_compiled("MatMul", device_);
#endif
    } catch (...) {
      error_ = std::current_exception();
    }
  }
  void OnOK() override {
    if (error_) deferred_.Reject(to_js_error(Env(), error_).Value());
    else deferred_.Resolve(Napi::Number::New(Env(), ms_));
  }

 private:
  Napi::Promise::Deferred deferred_;
  int device_;
  int64_t m_, n_, k_;
  int iters_;
  bool tf32_;
  double ms_ = 0;
  std::exception_ptr error_;
};

// cudaSgemmBench(device, m, n, k, iters, tf32 = false) -> Promise<milliseconds per m x n x k
// sgemm>; tf32 times the TF32 tensor-core kernel.
Napi::Value sgemm_bench(const Napi::CallbackInfo& info) {
  constexpr const char* fn = "cudaSgemmBench";
  return guarded(info.Env(), [&]() -> Napi::Value {
    const int device = static_cast<int>(int_arg(info, 0, fn, "device", 0, kMaxDevice));
    const int64_t m = int_arg(info, 1, fn, "m", 1, int64_t(1) << 30);
    const int64_t n = int_arg(info, 2, fn, "n", 1, int64_t(1) << 30);
    const int64_t k = int_arg(info, 3, fn, "k", 1, int64_t(1) << 30);
    const int iters = static_cast<int>(int_arg(info, 4, fn, "iters", 1, 1000000));
    const bool tf32 = info.Length() > 5 && !info[5].IsUndefined() && bool_arg(info, 5, fn, "tf32");
    auto* worker = new BenchWorker(info.Env(), device, m, n, k, iters, tf32);
    Napi::Promise p = worker->promise();
    worker->Queue();
    return p;
  });
}

}  // namespace

napi_value cuda_not_compiled(napi_env env, napi_callback_info info) {
  try {
    const FastArgs args(env, info);
    not_compiled(args.fn(), 0);
  } catch (...) {
    to_js_error(Napi::Env(env), std::current_exception()).ThrowAsJavaScriptException();
  }
  return nullptr;
}

void register_cuda(Napi::Env env, Napi::Object exports) {
  exports.Set("deviceCount", Napi::Function::New(env, device_count, "deviceCount"));
  exports.Set("cudaInfo", Napi::Function::New(env, cuda_info, "cudaInfo"));
  exports.Set("cudaDeviceInfo", Napi::Function::New(env, device_info, "cudaDeviceInfo"));
  export_pair(env, exports, "cudaSgemm", sgemm_js);
  exports.Set("cudaSgemmBench", Napi::Function::New(env, sgemm_bench, "cudaSgemmBench"));
}

KILN_BINDING(register_cuda);

}  // namespace kiln::binding
