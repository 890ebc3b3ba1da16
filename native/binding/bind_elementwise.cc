// unary(op, x, y, alpha, beta)
// binary(op, a, aShape, b, bShape, y, yShape)
// compare(op, a, aShape, b, bShape, y, yShape)      a, b: both Float32Array or both Int32Array
// logical(op, a, aShape, b, bShape, y, yShape)      Uint8Array (bool)
// logicalNot(x, y)
// select(cond, condShape, a, b, y)                  a, b, y: all Float32Array or all Int32Array
// cast(x, y)                                        Float32Array | Int32Array | Uint8Array each
// All synchronous: these kernels are short, and a worker-thread hop would cost more.
#include <string>

#include "fast_args.h"
#include "kiln/elementwise.h"
#include "registry.h"

namespace kiln::binding {
namespace {

void unary_js(const FastArgs& a) {
  const int op = a.op(0, kUnaryOpCount);
  auto x = a.f32(1, "x");
  auto y = a.f32(2, "y");
  const float alpha = static_cast<float>(a.number(3, "alpha"));
  const float beta = static_cast<float>(a.number(4, "beta"));
  check_length(a.fn(), "y", y.length, int64_t(x.length), "the length of x");
  check_output(a.fn(), "y", y.data, y.length * 4, "x", x.data, x.length * 4, true);
  unary(static_cast<UnaryOp>(op), x.data, y.data, int64_t(x.length), alpha, beta);
}

// The operands and shapes of binary / compare / logical, checked against each other.
struct Operands {
  FastArgs::Any a, b, y;
  Shape as, bs, ys;
};

Operands operands(const FastArgs& a, unsigned ab_types, const char* ab_expected, unsigned y_types,
                  const char* y_expected) {
  Operands o{a.typed(1, "a", ab_types, ab_expected), a.typed(3, "b", ab_types, ab_expected),
             a.typed(5, "y", y_types, y_expected), a.shape(2, "aShape"), a.shape(4, "bShape"),
             a.shape(6, "yShape")};
  if (o.a.type != o.b.type) throw ArgumentError(std::string(a.fn()) + ": a and b must have the same type");
  check_length(a.fn(), "a", o.a.length, o.as.size(), "aShape", &o.as);
  check_length(a.fn(), "b", o.b.length, o.bs.size(), "bShape", &o.bs);
  check_length(a.fn(), "y", o.y.length, o.ys.size(), "yShape", &o.ys);
  const size_t ab = element_bytes(o.a.type), yb = element_bytes(o.y.type);
  check_output(a.fn(), "y", o.y.data, o.y.length * yb, "a", o.a.data, o.a.length * ab);
  check_output(a.fn(), "y", o.y.data, o.y.length * yb, "b", o.b.data, o.b.length * ab);
  return o;
}

void binary_js(const FastArgs& a) {
  const int op = a.op(0, kBinaryOpCount);
  const Operands o = operands(a, kF32, "a Float32Array", kF32, "a Float32Array");
  binary(static_cast<BinaryOp>(op), static_cast<const float*>(o.a.data), o.as, static_cast<const float*>(o.b.data),
         o.bs, static_cast<float*>(o.y.data), o.ys);
}

void compare_js(const FastArgs& a) {
  const int op = a.op(0, kCompareOpCount);
  const Operands o = operands(a, kF32 | kI32, "a Float32Array or an Int32Array", kU8, "a Uint8Array");
  auto* y = static_cast<uint8_t*>(o.y.data);
  if (o.a.type == napi_float32_array)
    compare(static_cast<CompareOp>(op), static_cast<const float*>(o.a.data), o.as,
            static_cast<const float*>(o.b.data), o.bs, y, o.ys);
  else
    compare(static_cast<CompareOp>(op), static_cast<const int32_t*>(o.a.data), o.as,
            static_cast<const int32_t*>(o.b.data), o.bs, y, o.ys);
}

void logical_js(const FastArgs& a) {
  const int op = a.op(0, kLogicalOpCount);
  const Operands o = operands(a, kU8, "a Uint8Array", kU8, "a Uint8Array");
  logical(static_cast<LogicalOp>(op), static_cast<const uint8_t*>(o.a.data), o.as,
          static_cast<const uint8_t*>(o.b.data), o.bs, static_cast<uint8_t*>(o.y.data), o.ys);
}

void logical_not_js(const FastArgs& a) {
  auto x = a.u8(0, "x");
  auto y = a.u8(1, "y");
  check_length(a.fn(), "y", y.length, int64_t(x.length), "the length of x");
  check_output(a.fn(), "y", y.data, y.length, "x", x.data, x.length, true);
  logical_not(x.data, y.data, int64_t(x.length));
}

void select_js(const FastArgs& a) {
  auto cond = a.u8(0, "cond");
  const Shape cs = a.shape(1, "condShape");
  const auto va = a.typed(2, "a", kF32 | kI32, "a Float32Array or an Int32Array");
  const auto vb = a.typed(3, "b", kF32 | kI32, "a Float32Array or an Int32Array");
  const auto vy = a.typed(4, "y", kF32 | kI32, "a Float32Array or an Int32Array");
  if (va.type != vb.type || va.type != vy.type)
    throw ArgumentError("select: a, b and y must have the same type");
  check_length(a.fn(), "cond", cond.length, cs.size(), "condShape", &cs);
  check_length(a.fn(), "b", vb.length, int64_t(va.length), "the length of a");
  check_length(a.fn(), "y", vy.length, int64_t(va.length), "the length of a");
  const int64_t n = int64_t(va.length), cn = int64_t(cond.length);
  // tfjs Select: a condition of a's shape, or a rank-1 condition with one entry per row.
  if (cn != n && (cs.rank > 1 || cn == 0 || n % cn != 0))
    throw ShapeError("select: condShape " + cs.str() + " must hold " + std::to_string(n) +
                     " entries (a's shape) or be rank 1 with one entry per row of a");
  check_output(a.fn(), "y", vy.data, vy.length * 4, "a", va.data, va.length * 4);
  check_output(a.fn(), "y", vy.data, vy.length * 4, "b", vb.data, vb.length * 4);
  check_output(a.fn(), "y", vy.data, vy.length * 4, "cond", cond.data, cond.length);
  select(cond.data, cn, static_cast<const uint32_t*>(va.data), static_cast<const uint32_t*>(vb.data),
         static_cast<uint32_t*>(vy.data), n);
}

DType dtype_of(napi_typedarray_type t) {
  return t == napi_float32_array ? DType::kFloat32 : t == napi_int32_array ? DType::kInt32 : DType::kBool;
}

void cast_js(const FastArgs& a) {
  constexpr const char* kExpected = "a Float32Array, an Int32Array or a Uint8Array";
  const auto x = a.typed(0, "x", kF32 | kI32 | kU8, kExpected);
  const auto y = a.typed(1, "y", kF32 | kI32 | kU8, kExpected);
  check_length(a.fn(), "y", y.length, int64_t(x.length), "the length of x");
  const size_t xb = element_bytes(x.type), yb = element_bytes(y.type);
  // Same-width in-place casts are safe: each element is read before it is written.
  check_output(a.fn(), "y", y.data, y.length * yb, "x", x.data, x.length * xb, xb == yb);
  cast(dtype_of(x.type), x.data, dtype_of(y.type), y.data, int64_t(x.length));
}

}  // namespace

void register_elementwise(Napi::Env env, Napi::Object exports) {
  define_fast(env, exports, "unary", fast_entry<unary_js>);
  define_fast(env, exports, "binary", fast_entry<binary_js>);
  define_fast(env, exports, "compare", fast_entry<compare_js>);
  define_fast(env, exports, "logical", fast_entry<logical_js>);
  define_fast(env, exports, "logicalNot", fast_entry<logical_not_js>);
  define_fast(env, exports, "select", fast_entry<select_js>);
  define_fast(env, exports, "cast", fast_entry<cast_js>);
}

KILN_BINDING(register_elementwise);

}  // namespace kiln::binding
