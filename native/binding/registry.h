// Each binding file exports its functions through one register_* call from module.cc.
#pragma once
#include <napi.h>

namespace kiln::binding {

void register_system(Napi::Env env, Napi::Object exports);
void register_gemm(Napi::Env env, Napi::Object exports);
void register_conv(Napi::Env env, Napi::Object exports);
void register_pool(Napi::Env env, Napi::Object exports);
void register_cuda(Napi::Env env, Napi::Object exports);
void register_cuda_memory(Napi::Env env, Napi::Object exports);
void register_cuda_kernels(Napi::Env env, Napi::Object exports);
void register_cuda_layers(Napi::Env env, Napi::Object exports);
void register_elementwise(Napi::Env env, Napi::Object exports);
void register_reduce(Napi::Env env, Napi::Object exports);
void register_nn(Napi::Env env, Napi::Object exports);
void register_optim(Napi::Env env, Napi::Object exports);
void register_layout(Napi::Env env, Napi::Object exports);
void register_collective(Napi::Env env, Napi::Object exports);
void register_categorical(Napi::Env env, Napi::Object exports);
void register_gbdt(Napi::Env env, Napi::Object exports);

/// Adds fn(info, async) as `name` (synchronous) and `nameAsync` (returns a Promise).
void export_pair(Napi::Env env, Napi::Object exports, const char* name,
                 Napi::Value (*fn)(const Napi::CallbackInfo&, bool));

}  // namespace kiln::binding
