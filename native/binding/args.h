// Argument checks shared by every binding: wrong JS types throw TypeError, bad values
// and shapes throw RangeError, and the message names the function and the argument.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>

#include "kiln/errors.h"

namespace kiln::binding {

template <typename T>
struct View {
  T* data;
  size_t length;
};

/// A typed array argument seen in place: no copy, byteOffset respected.
template <typename T>
View<T> typed_arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name,
                  napi_typedarray_type type, const char* type_name) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type)
    throw ArgumentError(std::string(fn) + ": " + name + " must be a " + type_name);
  auto arr = v.As<Napi::TypedArrayOf<T>>();
  return {arr.Data(), arr.ElementLength()};
}

inline View<float> f32_arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  return typed_arg<float>(info, i, fn, name, napi_float32_array, "Float32Array");
}

inline View<int32_t> i32_arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  return typed_arg<int32_t>(info, i, fn, name, napi_int32_array, "Int32Array");
}

/// An integer argument within [min, max].
int64_t int_arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, int64_t min = 0,
                int64_t max = (int64_t(1) << 53));

double num_arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name);

bool bool_arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name);

/// Throws RangeError when two buffers overlap (an output must not alias an input).
void check_no_overlap(const void* a, size_t a_bytes, const void* b, size_t b_bytes, const char* fn,
                      const char* a_name, const char* b_name);

/// Turns a C++ exception from a kernel into the matching JS error object.
Napi::Error to_js_error(Napi::Env env, const std::exception_ptr& error);

/// Runs work() and converts C++ exceptions into thrown JS errors.
template <typename F>
Napi::Value guarded(Napi::Env env, F&& work) {
  try {
    return work();
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    throw to_js_error(env, std::current_exception());
  }
}

}  // namespace kiln::binding
