#include "args.h"

#include <cmath>

namespace kiln::binding {

int64_t int_arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, int64_t min,
                int64_t max) {
  Napi::Value v = info[i];
  if (!v.IsNumber()) throw ArgumentError(std::string(fn) + ": " + name + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::floor(d) != d || d < double(min) || d > double(max))
    throw ShapeError(std::string(fn) + ": " + name + " must be an integer in [" + std::to_string(min) + ", " +
                     std::to_string(max) + "], got " + v.ToString().Utf8Value());
  return static_cast<int64_t>(d);
}

double num_arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsNumber()) throw ArgumentError(std::string(fn) + ": " + name + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) throw ShapeError(std::string(fn) + ": " + name + " must be finite");
  return d;
}

bool bool_arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsBoolean()) throw ArgumentError(std::string(fn) + ": " + name + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

void check_no_overlap(const void* a, size_t a_bytes, const void* b, size_t b_bytes, const char* fn,
                      const char* a_name, const char* b_name) {
  auto a0 = reinterpret_cast<uintptr_t>(a), b0 = reinterpret_cast<uintptr_t>(b);
  if (a_bytes && b_bytes && a0 < b0 + b_bytes && b0 < a0 + a_bytes)
    throw ShapeError(std::string(fn) + ": " + a_name + " and " + b_name + " must not share memory");
}

Napi::Error to_js_error(Napi::Env env, const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const ArgumentError& e) {
    return Napi::TypeError::New(env, e.what());
  } catch (const ShapeError& e) {
    return Napi::RangeError::New(env, e.what());
  } catch (const NativeError& e) {
    Napi::Error err = Napi::Error::New(env, e.what());
    Napi::Object o = err.Value();
    o.Set("name", "KilnNativeError");
    o.Set("code", e.code);
    o.Set("op", e.op);
    o.Set("device", e.device);
    return err;
  } catch (const std::bad_alloc&) {
    Napi::Error err = Napi::Error::New(env, "out of host memory");
    Napi::Object o = err.Value();
    o.Set("name", "KilnNativeError");
    o.Set("code", "OUT_OF_MEMORY");
    o.Set("op", "unknown");
    o.Set("device", "cpu");
    return err;
  } catch (const std::exception& e) {
    Napi::Error err = Napi::Error::New(env, e.what());
    err.Value().Set("name", "KilnNativeError");
    err.Value().Set("code", "INTERNAL");
    return err;
  } catch (...) {
    return Napi::Error::New(env, "unknown native error");
  }
}

}  // namespace kiln::binding
