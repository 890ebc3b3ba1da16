// Module init. The addon is context-aware (NAPI_MODULE_INIT): every Node environment
// (main thread, each piscina worker) gets its own exports; process-wide state (thread
// pool, CUDA contexts) lives in the plain C++ layer and is shared safely.
#include <napi.h>

#include "registry.h"

namespace kiln::binding {

namespace {
template <bool Async>
Napi::Value trampoline(const Napi::CallbackInfo& info) {
  auto fn = reinterpret_cast<Napi::Value (*)(const Napi::CallbackInfo&, bool)>(info.Data());
  return fn(info, Async);
}
}  // namespace

void export_pair(Napi::Env env, Napi::Object exports, const char* name,
                 Napi::Value (*fn)(const Napi::CallbackInfo&, bool)) {
  void* data = reinterpret_cast<void*>(fn);
  exports.Set(name, Napi::Function::New(env, trampoline<false>, name, data));
  std::string async_name = std::string(name) + "Async";
  exports.Set(async_name, Napi::Function::New(env, trampoline<true>, async_name, data));
}

Napi::Object init(Napi::Env env, Napi::Object exports) {
  register_system(env, exports);
  register_gemm(env, exports);
  register_conv(env, exports);
  register_pool(env, exports);
  register_cuda(env, exports);
  register_cuda_memory(env, exports);
  register_cuda_kernels(env, exports);
  register_cuda_layers(env, exports);
  register_elementwise(env, exports);
  register_reduce(env, exports);
  register_nn(env, exports);
  register_optim(env, exports);
  register_layout(env, exports);
  register_collective(env, exports);
  register_categorical(env, exports);
  register_gbdt(env, exports);
  return exports;
}

}  // namespace kiln::binding

static Napi::Object InitKiln(Napi::Env env, Napi::Object exports) {
  return kiln::binding::init(env, exports);
}

NODE_API_MODULE(kiln, InitKiln)
