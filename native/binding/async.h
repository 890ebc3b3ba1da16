// Promise-returning variants of long kernels. The work runs on a libuv worker thread
// that drives the kiln CPU pool; the typed arrays are held by references until it ends
// so the GC cannot free them mid-kernel.
#pragma once
#include <napi.h>

#include <exception>
#include <functional>
#include <vector>

#include "args.h"

namespace kiln::binding {

class KernelWorker : public Napi::AsyncWorker {
 public:
  KernelWorker(Napi::Env env, std::function<void()> work)
      : Napi::AsyncWorker(env, "kiln.kernel"), work_(std::move(work)), deferred_(Napi::Promise::Deferred::New(env)) {}

  /// Keeps a JS value (the typed arrays a kernel reads and writes) alive while it runs.
  void hold(Napi::Value v) { refs_.push_back(Napi::Persistent(v.As<Napi::Object>())); }
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      work_();
    } catch (...) {
      error_ = std::current_exception();
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (error_) deferred_.Reject(to_js_error(env, error_).Value());
    else deferred_.Resolve(env.Undefined());
  }

 private:
  std::function<void()> work_;
  Napi::Promise::Deferred deferred_;
  std::vector<Napi::ObjectReference> refs_;
  std::exception_ptr error_;
};

/// Runs `work` now (returns undefined) or on a worker thread (returns a Promise),
/// holding info's typed-array arguments for the async case.
Napi::Value run_kernel(const Napi::CallbackInfo& info, bool async, std::function<void()> work);

}  // namespace kiln::binding
