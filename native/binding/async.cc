#include "async.h"

namespace kiln::binding {

Napi::Value run_kernel(const Napi::CallbackInfo& info, bool async, std::function<void()> work) {
  Napi::Env env = info.Env();
  if (!async) {
    try {
      work();
    } catch (...) {
      throw to_js_error(env, std::current_exception());
    }
    return env.Undefined();
  }
  auto* worker = new KernelWorker(env, std::move(work));
  for (size_t i = 0; i < info.Length(); ++i)
    if (info[i].IsTypedArray()) worker->hold(info[i]);
  Napi::Promise p = worker->promise();
  worker->Queue();
  return p;
}

}  // namespace kiln::binding
