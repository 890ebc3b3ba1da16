// Module init. The addon is context-aware (NAPI_MODULE_INIT): every Node environment
// (main thread, each piscina worker) gets its own exports; process-wide state (thread
// pool, CUDA contexts) lives in the plain C++ layer and is shared safely.
#include <napi.h>

#include <vector>

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

// Function-local, so it exists before the first Registration (static initialization
// order across files is unspecified).
std::vector<RegisterFn>& registered() {
  static std::vector<RegisterFn> fns;
  return fns;
}

Registration::Registration(RegisterFn fn) { registered().push_back(fn); }

void register_all(Napi::Env env, Napi::Object exports) {
  for (RegisterFn fn : registered()) fn(env, exports);
}

Napi::Object init(Napi::Env env, Napi::Object exports) {
  register_all(env, exports);
  return exports;
}

}  // namespace kiln::binding

static Napi::Object InitKiln(Napi::Env env, Napi::Object exports) {
  return kiln::binding::init(env, exports);
}

NODE_API_MODULE(kiln, InitKiln)
