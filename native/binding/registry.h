// How binding files add their functions to the module: each defines one
// `void register_<family>(Napi::Env, Napi::Object exports)` and registers it with
// KILN_BINDING(register_<family>); module init runs every registered function. A new
// binding file therefore touches no other file (the CMake glob picks it up).
#pragma once
#include <napi.h>

namespace kiln::binding {

using RegisterFn = void (*)(Napi::Env env, Napi::Object exports);

/// Adds fn to the functions module init runs (at static initialization, in any order).
struct Registration {
  explicit Registration(RegisterFn fn);
};

/// Runs every registered function on the module's exports.
void register_all(Napi::Env env, Napi::Object exports);

/// Registers a binding file's register function (use once per file, at namespace scope).
#define KILN_BINDING(fn) \
  static const ::kiln::binding::Registration kiln_binding_registration_##fn { fn }

/// Adds fn(info, async) as `name` (synchronous) and `nameAsync` (returns a Promise).
void export_pair(Napi::Env env, Napi::Object exports, const char* name,
                 Napi::Value (*fn)(const Napi::CallbackInfo&, bool));

}  // namespace kiln::binding
