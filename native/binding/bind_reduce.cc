// reduce(op, x, outer, size, inner, y)       x, y: both Float32Array or both Int32Array
// argReduce(op, x, outer, size, inner, y)    x: Float32Array | Int32Array, y: Int32Array
// softmax(x, rows, cols, y), logSoftmax(x, rows, cols, y)   y may be x
// x is viewed as [outer, size, inner] and reduced over the middle axis into y [outer, inner].
#include <string>

#include "fast_args.h"
#include "kiln/checked.h"
#include "kiln/reduce.h"
#include "registry.h"

namespace kiln::binding {
namespace {

constexpr int64_t kMaxDim = int64_t(1) << 40;

struct Dims {
  int64_t outer, size, inner;
};

Dims dims(const FastArgs& a, size_t i, size_t x_length) {
  Dims d{a.integer(i, "outer", 0, kMaxDim), a.integer(i + 1, "size", 0, kMaxDim),
         a.integer(i + 2, "inner", 0, kMaxDim)};
  const int64_t n = checked_product({d.outer, d.size, d.inner}, a.fn(), "outer x size x inner");
  if (n != int64_t(x_length))
    throw ShapeError(std::string(a.fn()) + ": x has " + std::to_string(x_length) +
                     " elements; expected outer x size x inner = " + std::to_string(d.outer) + "x" +
                     std::to_string(d.size) + "x" + std::to_string(d.inner));
  return d;
}

void reduce_js(const FastArgs& a) {
  const int op = a.op(0, kReduceOpCount);
  const auto x = a.typed(1, "x", kF32 | kI32, "a Float32Array or an Int32Array");
  const Dims d = dims(a, 2, x.length);
  const auto y = a.typed(5, "y", kF32 | kI32, "a Float32Array or an Int32Array");
  if (y.type != x.type) throw ArgumentError("reduce: y must have the type of x");
  check_length(a.fn(), "y", y.length, d.outer * d.inner, "outer x inner");
  check_output(a.fn(), "y", y.data, y.length * 4, "x", x.data, x.length * 4);
  if (x.type == napi_float32_array)
    reduce(static_cast<ReduceOp>(op), static_cast<const float*>(x.data), d.outer, d.size, d.inner,
           static_cast<float*>(y.data));
  else
    reduce(static_cast<ReduceOp>(op), static_cast<const int32_t*>(x.data), d.outer, d.size, d.inner,
           static_cast<int32_t*>(y.data));
}

void arg_reduce_js(const FastArgs& a) {
  const int op = a.op(0, kArgReduceOpCount);
  const auto x = a.typed(1, "x", kF32 | kI32, "a Float32Array or an Int32Array");
  const Dims d = dims(a, 2, x.length);
  auto y = a.i32(5, "y");
  check_length(a.fn(), "y", y.length, d.outer * d.inner, "outer x inner");
  if (d.size == 0 && y.length > 0) throw ShapeError("argReduce: size must be >= 1");
  check_output(a.fn(), "y", y.data, y.length * 4, "x", x.data, x.length * 4);
  if (x.type == napi_float32_array)
    arg_reduce(static_cast<ArgReduceOp>(op), static_cast<const float*>(x.data), d.outer, d.size, d.inner, y.data);
  else
    arg_reduce(static_cast<ArgReduceOp>(op), static_cast<const int32_t*>(x.data), d.outer, d.size, d.inner,
               y.data);
}

template <bool Log>
void softmax_js(const FastArgs& a) {
  auto x = a.f32(0, "x");
  const int64_t rows = a.integer(1, "rows", 0, kMaxDim), cols = a.integer(2, "cols", 0, kMaxDim);
  auto y = a.f32(3, "y");
  const int64_t n = checked_mul(rows, cols, a.fn(), "rows x cols");
  if (n != int64_t(x.length))
    throw ShapeError(std::string(a.fn()) + ": x has " + std::to_string(x.length) +
                     " elements; expected rows x cols = " + std::to_string(rows) + "x" + std::to_string(cols));
  check_length(a.fn(), "y", y.length, n, "rows x cols");
  check_output(a.fn(), "y", y.data, y.length * 4, "x", x.data, x.length * 4, true);
  if (Log)
    log_softmax(x.data, rows, cols, y.data);
  else
    softmax(x.data, rows, cols, y.data);
}

}  // namespace

void register_reduce(Napi::Env env, Napi::Object exports) {
  define_fast(env, exports, "reduce", fast_entry<reduce_js>);
  define_fast(env, exports, "argReduce", fast_entry<arg_reduce_js>);
  define_fast(env, exports, "softmax", fast_entry<softmax_js<false>>);
  define_fast(env, exports, "logSoftmax", fast_entry<softmax_js<true>>);
}

KILN_BINDING(register_reduce);

}  // namespace kiln::binding
