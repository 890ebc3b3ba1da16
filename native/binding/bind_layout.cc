// transpose(x, xShape, perm, y)
// tile(x, xShape, reps, y)
// slice(x, xShape, begin, size, y)              size[d] == -1: to the end of dim d
// fill(y, value)
// gather(x, outer, axisSize, inner, indices, y) GatherV2 with batchDims 0
// oneHot(indices, depth, onValue, offValue, y)
// x and y are both Float32Array or both Int32Array (moved as raw 4-byte values).
#include <cmath>
#include <string>

#include "fast_args.h"
#include "kiln/checked.h"
#include "kiln/layout.h"
#include "registry.h"

namespace kiln::binding {
namespace {

constexpr const char* kFloatOrInt = "a Float32Array or an Int32Array";

// x (with its shape) and y of the same 4-byte type, not overlapping.
struct Io {
  FastArgs::Any x, y;
  Shape xs;
};

Io io(const FastArgs& a, size_t xi, size_t si, size_t yi) {
  Io r{a.typed(xi, "x", kF32 | kI32, kFloatOrInt), a.typed(yi, "y", kF32 | kI32, kFloatOrInt), a.shape(si, "xShape")};
  if (r.x.type != r.y.type) throw ArgumentError(std::string(a.fn()) + ": y must have the type of x");
  check_length(a.fn(), "x", r.x.length, r.xs.size(), "xShape", &r.xs);
  check_output(a.fn(), "y", r.y.data, r.y.length * 4, "x", r.x.data, r.x.length * 4);
  return r;
}

const uint32_t* in(const Io& r) { return static_cast<const uint32_t*>(r.x.data); }
uint32_t* out(const Io& r) { return static_cast<uint32_t*>(r.y.data); }

void transpose_js(const FastArgs& a) {
  const Io r = io(a, 0, 1, 3);
  int64_t perm[kMaxRank];
  a.ints(2, "perm", r.xs.rank, perm);
  check_length(a.fn(), "y", r.y.length, int64_t(r.x.length), "the length of x");
  transpose(in(r), r.xs, perm, out(r));
}

void tile_js(const FastArgs& a) {
  const Io r = io(a, 0, 1, 3);
  int64_t reps[kMaxRank];
  a.ints(2, "reps", r.xs.rank, reps);
  int64_t n = 1;
  for (int d = 0; d < r.xs.rank; ++d) {
    if (reps[d] < 0) throw ShapeError("tile: reps must be >= 0, got " + std::to_string(reps[d]));
    n = checked_mul(n, checked_mul(r.xs.dims[d], reps[d], a.fn(), "xShape times reps"), a.fn(), "xShape times reps");
  }
  check_length(a.fn(), "y", r.y.length, n, "xShape times reps");
  tile(in(r), r.xs, reps, out(r));
}

void slice_js(const FastArgs& a) {
  const Io r = io(a, 0, 1, 4);
  int64_t begin[kMaxRank], size[kMaxRank];
  a.ints(2, "begin", r.xs.rank, begin);
  a.ints(3, "size", r.xs.rank, size);
  const Shape ys = slice_shape(r.xs, begin, size);
  check_length(a.fn(), "y", r.y.length, ys.size(), "the slice", &ys);
  slice(in(r), r.xs, begin, size, out(r));
}

// What storing the number into an Int32Array does (ToInt32): truncate, wrap mod 2^32.
uint32_t to_int32_bits(double d) {
  if (!std::isfinite(d)) return 0;
  const double m = std::fmod(std::trunc(d), 4294967296.0);
  return static_cast<uint32_t>(static_cast<int64_t>(m < 0 ? m + 4294967296.0 : m));
}

void fill_js(const FastArgs& a) {
  const auto y = a.typed(0, "y", kF32 | kI32, kFloatOrInt);
  const double v = a.number(1, "value");
  const uint32_t bits = y.type == napi_float32_array ? __builtin_bit_cast(uint32_t, static_cast<float>(v))
                                                     : to_int32_bits(v);
  fill(static_cast<uint32_t*>(y.data), int64_t(y.length), bits);
}

void gather_js(const FastArgs& a) {
  const auto x = a.typed(0, "x", kF32 | kI32, kFloatOrInt);
  constexpr int64_t kMaxDim = int64_t(1) << 40;
  const int64_t outer = a.integer(1, "outer", 0, kMaxDim), axis = a.integer(2, "axisSize", 0, kMaxDim),
                inner = a.integer(3, "inner", 0, kMaxDim);
  auto idx = a.i32(4, "indices");
  const auto y = a.typed(5, "y", kF32 | kI32, kFloatOrInt);
  if (y.type != x.type) throw ArgumentError("gather: y must have the type of x");
  const int64_t n = checked_product({outer, axis, inner}, a.fn(), "outer x axisSize x inner");
  if (n != int64_t(x.length))
    throw ShapeError("gather: x has " + std::to_string(x.length) + " elements; expected outer x axisSize x inner = " +
                     std::to_string(outer) + "x" + std::to_string(axis) + "x" + std::to_string(inner));
  check_length(a.fn(), "y", y.length, checked_product({outer, int64_t(idx.length), inner}, a.fn(), "outer x indices x inner"),
               "outer x indices x inner");
  check_output(a.fn(), "y", y.data, y.length * 4, "x", x.data, x.length * 4);
  check_output(a.fn(), "y", y.data, y.length * 4, "indices", idx.data, idx.length * 4);
  gather(static_cast<const uint32_t*>(x.data), outer, axis, inner, idx.data, int64_t(idx.length),
         static_cast<uint32_t*>(y.data));
}

void one_hot_js(const FastArgs& a) {
  auto idx = a.i32(0, "indices");
  const int64_t depth = a.integer(1, "depth", 0, int64_t(1) << 31);
  const float on = static_cast<float>(a.number(2, "onValue")), off = static_cast<float>(a.number(3, "offValue"));
  auto y = a.f32(4, "y");
  check_length(a.fn(), "y", y.length, checked_mul(int64_t(idx.length), depth, a.fn(), "indices x depth"),
               "indices x depth");
  check_output(a.fn(), "y", y.data, y.length * 4, "indices", idx.data, idx.length * 4);
  one_hot(idx.data, int64_t(idx.length), depth, on, off, y.data);
}

}  // namespace

void register_layout(Napi::Env env, Napi::Object exports) {
  define_fast(env, exports, "transpose", fast_entry<transpose_js>);
  define_fast(env, exports, "tile", fast_entry<tile_js>);
  define_fast(env, exports, "slice", fast_entry<slice_js>);
  define_fast(env, exports, "fill", fast_entry<fill_js>);
  define_fast(env, exports, "gather", fast_entry<gather_js>);
  define_fast(env, exports, "oneHot", fast_entry<one_hot_js>);
}

KILN_BINDING(register_layout);

}  // namespace kiln::binding
