#include "fast_args.h"

#include <cmath>
#include <cstdio>
#include <string>

namespace kiln::binding {

namespace {

std::string at(const char* fn, const char* name) { return std::string(fn) + ": " + name; }

// 3 rather than 3.000000, and 1.5 or 1e+300 as JS would print them (near enough).
std::string show(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}

}  // namespace

FastArgs::FastArgs(napi_env env, napi_callback_info info) : env_(env), fn_("kiln") {
  void* data = nullptr;
  if (napi_get_cb_info(env, info, &argc_, argv_, nullptr, &data) != napi_ok)
    throw NativeError("INTERNAL", "args", "cpu", "napi_get_cb_info failed");
  if (data) fn_ = static_cast<const char*>(data);
  if (argc_ > kMax) argc_ = kMax;  // extra arguments are ignored, as in JS
}

FastArgs::Any FastArgs::typed(size_t i, const char* name, unsigned allowed_mask, const char* expected) const {
  Any a{napi_int8_array, nullptr, 0};
  if (i >= argc_ ||
      napi_get_typedarray_info(env_, argv_[i], &a.type, &a.length, &a.data, nullptr, nullptr) != napi_ok ||
      !((allowed_mask >> a.type) & 1u))
    throw ArgumentError(at(fn_, name) + " must be " + expected);
  return a;
}

View<float> FastArgs::f32(size_t i, const char* name) const {
  Any a = typed(i, name, kF32, "a Float32Array");
  return {static_cast<float*>(a.data), a.length};
}

View<int32_t> FastArgs::i32(size_t i, const char* name) const {
  Any a = typed(i, name, kI32, "an Int32Array");
  return {static_cast<int32_t*>(a.data), a.length};
}

View<uint8_t> FastArgs::u8(size_t i, const char* name) const {
  Any a = typed(i, name, kU8, "a Uint8Array");
  return {static_cast<uint8_t*>(a.data), a.length};
}

napi_value FastArgs::raw(size_t i) const {
  if (i < argc_) return argv_[i];
  napi_value undefined;
  napi_get_undefined(env_, &undefined);
  return undefined;
}

bool FastArgs::nullish(size_t i) const {
  if (i >= argc_) return true;
  napi_valuetype t;
  if (napi_typeof(env_, argv_[i], &t) != napi_ok) return false;
  return t == napi_null || t == napi_undefined;
}

double FastArgs::number(size_t i, const char* name) const {
  double d;
  if (i >= argc_ || napi_get_value_double(env_, argv_[i], &d) != napi_ok)
    throw ArgumentError(at(fn_, name) + " must be a number");
  return d;
}

int64_t FastArgs::integer(size_t i, const char* name, int64_t min, int64_t max) const {
  const double d = number(i, name);
  if (!(d >= double(min) && d <= double(max)) || std::floor(d) != d)
    throw ShapeError(at(fn_, name) + " must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) +
                     "], got " + show(d));
  return static_cast<int64_t>(d);
}

bool FastArgs::boolean(size_t i, const char* name) const {
  bool b;
  if (i >= argc_ || napi_get_value_bool(env_, argv_[i], &b) != napi_ok)
    throw ArgumentError(at(fn_, name) + " must be a boolean");
  return b;
}

Shape FastArgs::shape(size_t i, const char* name) const {
  const View<int32_t> v = i32(i, name);
  if (v.length > size_t(kMaxRank))
    throw ShapeError(at(fn_, name) + " has rank " + std::to_string(v.length) + "; at most " +
                     std::to_string(kMaxRank) + " is supported");
  Shape s;
  s.rank = static_cast<int>(v.length);
  for (int d = 0; d < s.rank; ++d) {
    if (v.data[d] < 0) throw ShapeError(at(fn_, name) + " has a negative dim " + std::to_string(v.data[d]));
    s.dims[d] = v.data[d];
  }
  return s;
}

void FastArgs::ints(size_t i, const char* name, int rank, int64_t* out) const {
  const View<int32_t> v = i32(i, name);
  if (v.length != size_t(rank))
    throw ShapeError(at(fn_, name) + " has " + std::to_string(v.length) + " entries; expected " +
                     std::to_string(rank) + " (the rank of x)");
  for (int d = 0; d < rank; ++d) out[d] = v.data[d];
}

void check_length(const char* fn, const char* name, size_t got, int64_t want, const char* what,
                  const Shape* shape) {
  if (int64_t(got) != want)
    throw ShapeError(std::string(fn) + ": " + name + " has " + std::to_string(got) + " elements; expected " +
                     std::to_string(want) + " (" + what + (shape ? " " + shape->str() : std::string()) + ")");
}

void check_output(const char* fn, const char* out_name, const void* out, size_t out_bytes, const char* in_name,
                  const void* in, size_t in_bytes, bool same_ok) {
  if (same_ok && out == in && out_bytes == in_bytes) return;
  check_no_overlap(out, out_bytes, in, in_bytes, fn, out_name, in_name);
}

void define_fast(Napi::Env env, Napi::Object exports, const char* name, napi_callback cb) {
  napi_value f;
  if (napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, const_cast<char*>(name), &f) != napi_ok)
    throw Napi::Error::New(env, std::string("cannot create function ") + name);
  exports.Set(name, Napi::Value(env, f));
}

}  // namespace kiln::binding
