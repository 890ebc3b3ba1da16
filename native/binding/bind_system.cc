// Process facts and knobs: threads, SIMD level, build info.
#include "args.h"
#include "kiln/cpu_features.h"
#include "kiln/thread_pool.h"
#include "registry.h"

namespace kiln::binding {
namespace {

Napi::Value threads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), ThreadPool::instance().size());
}

Napi::Value set_threads(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    int64_t n = int_arg(info, 0, "setThreads", "threads", 1, 1024);
    ThreadPool::instance().resize(static_cast<int>(n));
    return Napi::Number::New(info.Env(), ThreadPool::instance().size());
  });
}

Napi::Value simd(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), simd_level_name(simd_level()));
}

Napi::Value detected_simd(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), simd_level_name(detected_simd_level()));
}

Napi::Value set_simd(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    if (!info[0].IsString()) throw ArgumentError("setSimd: level must be a string");
    std::string text = info[0].As<Napi::String>().Utf8Value();
    SimdLevel level;
    if (!parse_simd_level(text.c_str(), &level))
      throw ShapeError("setSimd: level must be one of scalar, avx2, avx512; got '" + text + "'");
    return Napi::String::New(info.Env(), simd_level_name(set_simd_level(level)));
  });
}

}  // namespace

void register_system(Napi::Env env, Napi::Object exports) {
  exports.Set("threads", Napi::Function::New(env, threads, "threads"));
  exports.Set("setThreads", Napi::Function::New(env, set_threads, "setThreads"));
  exports.Set("simd", Napi::Function::New(env, simd, "simd"));
  exports.Set("detectedSimd", Napi::Function::New(env, detected_simd, "detectedSimd"));
  exports.Set("setSimd", Napi::Function::New(env, set_simd, "setSimd"));
}

KILN_BINDING(register_system);

}  // namespace kiln::binding
