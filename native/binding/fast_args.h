// Argument access for the tfjs-backend kernel bindings (elementwise, reduce, nn, optim,
// layout), which run thousands of times per training step on small tensors. They use
// the raw N-API calls with a fixed stack array of arguments: Napi::CallbackInfo
// heap-allocates for more than six arguments, and the C++ wrappers add calls per
// argument. Errors follow args.h: TypeError for a wrong JS type, RangeError for a bad
// value or shape, each naming the function and the argument.
#pragma once
#include <napi.h>

#include <cstddef>
#include <cstdint>

#include "args.h"
#include "kiln/shape.h"

namespace kiln::binding {

class FastArgs {
 public:
  static constexpr size_t kMax = 12;

  FastArgs(napi_env env, napi_callback_info info);

  napi_env env() const { return env_; }
  const char* fn() const { return fn_; }

  /// A Float32Array / Int32Array / Uint8Array argument, seen in place (byteOffset applied).
  View<float> f32(size_t i, const char* name) const;
  View<int32_t> i32(size_t i, const char* name) const;
  View<uint8_t> u8(size_t i, const char* name) const;

  /// Any typed array: its element type, data and length; TypeError unless it is one of
  /// the types the mask allows (bit 1 << napi_typedarray_type).
  struct Any {
    napi_typedarray_type type;
    void* data;
    size_t length;
  };
  Any typed(size_t i, const char* name, unsigned allowed_mask, const char* expected) const;

  /// Argument i as N-API sees it (undefined past the last one): for handle types
  /// FastArgs does not know, such as the device buffers of bind_cuda_*.cc.
  napi_value raw(size_t i) const;
  size_t count() const { return argc_; }

  /// True for null or undefined (optional arguments).
  bool nullish(size_t i) const;
  double number(size_t i, const char* name) const;
  int64_t integer(size_t i, const char* name, int64_t min, int64_t max) const;
  bool boolean(size_t i, const char* name) const;
  /// An op code in [0, count).
  int op(size_t i, int count) const { return static_cast<int>(integer(i, "op", 0, count - 1)); }
  /// A shape: an Int32Array of at most kMaxRank dims, each >= 0.
  Shape shape(size_t i, const char* name) const;
  /// An Int32Array of exactly `rank` integers (perm, reps, begin, size) into out.
  void ints(size_t i, const char* name, int rank, int64_t* out) const;

 private:
  napi_env env_;
  const char* fn_;
  size_t argc_ = kMax;
  napi_value argv_[kMax];
};

constexpr unsigned kF32 = 1u << napi_float32_array;
constexpr unsigned kI32 = 1u << napi_int32_array;
constexpr unsigned kU8 = 1u << napi_uint8_array;

/// Bytes per element of the typed arrays FastArgs accepts.
inline size_t element_bytes(napi_typedarray_type t) { return t == napi_uint8_array ? 1 : 4; }

/// Throws ShapeError when the element count is not `want`; `what` (and `shape`, when
/// given) say where want came from. Messages are only built on failure.
void check_length(const char* fn, const char* name, size_t got, int64_t want, const char* what,
                  const Shape* shape = nullptr);

/// Throws ShapeError when out overlaps in, unless `same_ok` and they are the same span.
void check_output(const char* fn, const char* out_name, const void* out, size_t out_bytes, const char* in_name,
                  const void* in, size_t in_bytes, bool same_ok = false);

/// A napi_callback around impl: C++ exceptions become the matching JS errors.
template <void (*Impl)(const FastArgs&)>
napi_value fast_entry(napi_env env, napi_callback_info info) {
  try {
    const FastArgs args(env, info);
    Impl(args);
  } catch (const Napi::Error& e) {
    e.ThrowAsJavaScriptException();
  } catch (...) {
    to_js_error(Napi::Env(env), std::current_exception()).ThrowAsJavaScriptException();
  }
  return nullptr;
}

/// fast_entry for functions that return a value (nullptr returns undefined).
template <napi_value (*Impl)(const FastArgs&)>
napi_value fast_value_entry(napi_env env, napi_callback_info info) {
  try {
    const FastArgs args(env, info);
    return Impl(args);
  } catch (const Napi::Error& e) {
    e.ThrowAsJavaScriptException();
  } catch (...) {
    to_js_error(Napi::Env(env), std::current_exception()).ThrowAsJavaScriptException();
  }
  return nullptr;
}

/// Exports cb as `name` (the name also becomes FastArgs::fn() in error messages).
void define_fast(Napi::Env env, Napi::Object exports, const char* name, napi_callback cb);

}  // namespace kiln::binding
