// Elementwise kernel bodies, written once and compiled per instruction set: each op is
// a plain per-element lambda inside a simple loop, which GCC vectorizes for the flags
// of the including file. Define KILN_ISA (a namespace name) before including.
//
// fp-contract=off: no fused multiply-adds, so every ISA rounds exactly like the scalar
// build and like tfjs's one-rounding-per-op float32 results. no-trapping-math: we never
// read FP exception flags, and without it GCC will not turn `c ? f(v) : v` into a
// vector select on AVX2/SSE (it refuses to evaluate f(v) for lanes that did not ask).
#pragma GCC optimize("fp-contract=off", "no-trapping-math")

#include <cmath>
#include <cstdint>
#include <cstring>

#include "broadcast.h"
#include "elementwise_kernels.h"
#include "kiln/elementwise.h"
#include "vec_math.h"

namespace kiln {
namespace KILN_ISA {
namespace {

// tfjs backend_util.SELU_SCALE / SELU_SCALEALPHA.
constexpr float kSeluScale = 1.0507009873554804934193349852946f;
constexpr float kSeluScaleAlpha = 1.7580993408473768599402175208123f;
// tfjs Softplus switches to x or e^x beyond |log(2^-23) + 2|; this is the largest float
// below that double, so `x > kSoftplusCut` is the same test on float inputs.
constexpr float kSoftplusCut = 13.942384719848633f;

template <class F>
KILN_VINLINE void map1(const float* x, float* y, int64_t n, F f) {
#pragma GCC ivdep
  for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

// sin/cos: blocks whose |x| all fit the fast reduction run vectorized; a block with a
// huge, infinite or NaN input is done element by element in double.
template <bool Cos>
void sin_cos(const float* x, float* y, int64_t n) {
  constexpr int64_t kBlock = 512;
  for (int64_t b = 0; b < n; b += kBlock) {
    const int64_t m = n - b < kBlock ? n - b : kBlock;
    int bad = 0;
    for (int64_t i = 0; i < m; ++i) bad |= !sin_cos_fast_ok(x[b + i]);
    if (!bad) {
      map1(x + b, y + b, m, [](float v) { return v_sincos<Cos>(v); });
    } else {
      for (int64_t i = 0; i < m; ++i) {
        const float v = x[b + i];
        y[b + i] = sin_cos_fast_ok(v) ? v_sincos<Cos>(v)
                                      : static_cast<float>(Cos ? std::cos(double(v)) : std::sin(double(v)));
      }
    }
  }
}

void unary(int op, const float* x, float* y, int64_t n, float alpha, float beta) {
  switch (static_cast<UnaryOp>(op)) {
    case UnaryOp::kAbs: return map1(x, y, n, [](float v) { return std::fabs(v); });
    case UnaryOp::kNeg: return map1(x, y, n, [](float v) { return -v; });
    case UnaryOp::kExp: return map1(x, y, n, [](float v) { return v_exp(v); });
    case UnaryOp::kLog: return map1(x, y, n, [](float v) { return v_log(v); });
    case UnaryOp::kLog1p: return map1(x, y, n, [](float v) { return v_log1p(v); });
    case UnaryOp::kSqrt: return map1(x, y, n, [](float v) { return std::sqrt(v); });
    case UnaryOp::kRsqrt: return map1(x, y, n, [](float v) { return 1.0f / std::sqrt(v); });
    case UnaryOp::kSquare: return map1(x, y, n, [](float v) { return v * v; });
    case UnaryOp::kSigmoid: return map1(x, y, n, [](float v) { return v_sigmoid(v); });
    case UnaryOp::kTanh: return map1(x, y, n, [](float v) { return v_tanh(v); });
    case UnaryOp::kRelu: return map1(x, y, n, [](float v) { return act_relu(v); });
    case UnaryOp::kElu: return map1(x, y, n, [](float v) { return act_elu(v); });
    case UnaryOp::kErf: return map1(x, y, n, [](float v) { return v_erf(v); });
    case UnaryOp::kFloor: return map1(x, y, n, [](float v) { return v_floor(v); });
    case UnaryOp::kStep:
      return map1(x, y, n, [=](float v) { return is_nan(v) ? v : (v > 0.0f ? 1.0f : alpha); });
    case UnaryOp::kClipByValue:
      return map1(x, y, n, [=](float v) { return v > beta ? beta : (v < alpha ? alpha : v); });
    case UnaryOp::kRelu6: return map1(x, y, n, [](float v) { return act_relu6(v); });
    case UnaryOp::kCeil: return map1(x, y, n, [](float v) { return v_ceil(v); });
    case UnaryOp::kRound:
      // tfjs rounds -0.5 to +0 (floor(-0.5) + 1); rint gives -0.
      return map1(x, y, n, [](float v) { return v == -0.5f ? 0.0f : v_rint(v); });
    case UnaryOp::kSign:
      return map1(x, y, n, [](float v) { return v < 0.0f ? -1.0f : (v > 0.0f ? 1.0f : 0.0f); });
    case UnaryOp::kReciprocal: return map1(x, y, n, [](float v) { return 1.0f / v; });
    case UnaryOp::kLeakyRelu: return map1(x, y, n, [=](float v) { return act_leaky_relu(v, alpha); });
    case UnaryOp::kSelu:
      return map1(x, y, n, [](float v) { return v >= 0.0f ? kSeluScale * v : kSeluScaleAlpha * v_expm1(v); });
    case UnaryOp::kSoftplus:
      return map1(x, y, n, [](float v) {
        const float e = v_exp(v);
        return v < -kSoftplusCut ? e : (v > kSoftplusCut ? v : v_log1p(e));
      });
    case UnaryOp::kExpm1: return map1(x, y, n, [](float v) { return v_expm1(v); });
    case UnaryOp::kSin: return sin_cos<false>(x, y, n);
    case UnaryOp::kCos: return sin_cos<true>(x, y, n);
    case UnaryOp::kGelu:
      return map1(x, y, n, [](float v) { return 0.5f * v * (1.0f + v_erf(v * 0.70710678118654752f)); });
  }
}

template <class T, class R, class F>
KILN_VINLINE void map2(int kind, const T* a, const T* b, R* y, int64_t n, F f) {
  if (kind == detail::kVecVec) {
#pragma GCC ivdep
    for (int64_t i = 0; i < n; ++i) y[i] = f(a[i], b[i]);
  } else if (kind == detail::kScalarVec) {
    const T s = a[0];
#pragma GCC ivdep
    for (int64_t i = 0; i < n; ++i) y[i] = f(s, b[i]);
  } else {
    const T s = b[0];
#pragma GCC ivdep
    for (int64_t i = 0; i < n; ++i) y[i] = f(a[i], s);
  }
}

// Math.max / Math.min: NaN wins, and +0 > -0.
KILN_VINLINE float js_max(float a, float b) {
  float m = a > b ? a : b;
  m = a == b ? from_bits(as_bits(a) & as_bits(b)) : m;
  return (is_nan(a) | is_nan(b)) ? a + b : m;
}
KILN_VINLINE float js_min(float a, float b) {
  float m = a < b ? a : b;
  m = a == b ? from_bits(as_bits(a) | as_bits(b)) : m;
  return (is_nan(a) | is_nan(b)) ? a + b : m;
}

// Math.pow differs from C pow: a NaN exponent, and (+-1) ** (+-Inf), give NaN.
inline float js_pow(float a, float b) {
  if (is_nan(b) || (std::fabs(a) == 1.0f && std::isinf(b))) return NAN;
  return static_cast<float>(std::pow(double(a), double(b)));
}

// JS `%` (fmod) plus tfjs's fix-up toward the divisor's sign, in double as tfjs does.
inline float js_mod(float a, float b) {
  const double r = std::fmod(double(a), double(b));
  if ((a < 0 && b < 0) || (a >= 0 && b >= 0)) return static_cast<float>(r);
  return static_cast<float>(std::fmod(r + double(b), double(b)));
}

void binary(int op, int kind, const float* a, const float* b, float* y, int64_t n) {
  switch (static_cast<BinaryOp>(op)) {
    case BinaryOp::kAdd: return map2(kind, a, b, y, n, [](float p, float q) { return p + q; });
    case BinaryOp::kSub: return map2(kind, a, b, y, n, [](float p, float q) { return p - q; });
    case BinaryOp::kMul: return map2(kind, a, b, y, n, [](float p, float q) { return p * q; });
    case BinaryOp::kDiv: return map2(kind, a, b, y, n, [](float p, float q) { return p / q; });
    case BinaryOp::kMaximum: return map2(kind, a, b, y, n, [](float p, float q) { return js_max(p, q); });
    case BinaryOp::kMinimum: return map2(kind, a, b, y, n, [](float p, float q) { return js_min(p, q); });
    case BinaryOp::kPow:
      if (kind == detail::kVecScalar && b[0] == 2.0f)  // x ** 2: exact either way, 50x faster
        return map2(kind, a, b, y, n, [](float p, float) { return p * p; });
      return map2(kind, a, b, y, n, [](float p, float q) { return js_pow(p, q); });
    case BinaryOp::kSquaredDifference:  // in double, as tfjs: one rounding, not three
      return map2(kind, a, b, y, n, [](float p, float q) {
        const double d = double(p) - double(q);
        return static_cast<float>(d * d);
      });
    case BinaryOp::kEluGrad:  // a = dy, b = y; dy * (y + 1) in double, as tfjs
      return map2(kind, a, b, y, n, [](float dy, float v) {
        return v >= 0.0f ? dy : static_cast<float>(double(dy) * (double(v) + 1.0));
      });
    case BinaryOp::kReluGrad:  // a = dy, b = x; tfjs: dy * step(x), so NaN x gives NaN
      return map2(kind, a, b, y, n,
                  [](float dy, float v) { return dy * (v > 0.0f ? 1.0f : (is_nan(v) ? v : 0.0f)); });
    case BinaryOp::kFloorDiv:
      // Math.floor(a / b) with the quotient in double, as tfjs. tfjs-backend-cpu then
      // stores it in an int32 tensor; the backend gets that with cast() (NaN, Inf -> 0).
      return map2(kind, a, b, y, n,
                  [](float p, float q) { return static_cast<float>(v_floor_d(double(p) / double(q))); });
    case BinaryOp::kMod: return map2(kind, a, b, y, n, [](float p, float q) { return js_mod(p, q); });
    case BinaryOp::kAtan2:
      return map2(kind, a, b, y, n,
                  [](float p, float q) { return static_cast<float>(std::atan2(double(p), double(q))); });
    case BinaryOp::kSigmoidGrad:  // a = dy, b = y: dy * (y * (1 - y))
      return map2(kind, a, b, y, n, [](float dy, float v) { return dy * (v * (1.0f - v)); });
    case BinaryOp::kTanhGrad:  // a = dy, b = y: (1 - y^2) * dy
      return map2(kind, a, b, y, n, [](float dy, float v) { return (1.0f - v * v) * dy; });
    case BinaryOp::kDivNoNan:
      return map2(kind, a, b, y, n, [](float p, float q) { return q == 0.0f ? 0.0f : p / q; });
  }
}

template <class T>
void compare(int op, int kind, const T* a, const T* b, uint8_t* y, int64_t n) {
  switch (static_cast<CompareOp>(op)) {
    case CompareOp::kEqual: return map2(kind, a, b, y, n, [](T p, T q) { return uint8_t(p == q); });
    case CompareOp::kNotEqual: return map2(kind, a, b, y, n, [](T p, T q) { return uint8_t(p != q); });
    case CompareOp::kGreater: return map2(kind, a, b, y, n, [](T p, T q) { return uint8_t(p > q); });
    case CompareOp::kGreaterEqual: return map2(kind, a, b, y, n, [](T p, T q) { return uint8_t(p >= q); });
    case CompareOp::kLess: return map2(kind, a, b, y, n, [](T p, T q) { return uint8_t(p < q); });
    case CompareOp::kLessEqual: return map2(kind, a, b, y, n, [](T p, T q) { return uint8_t(p <= q); });
  }
}

void logical(int op, int kind, const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n) {
  using U = uint8_t;
  switch (static_cast<LogicalOp>(op)) {
    case LogicalOp::kAnd: return map2(kind, a, b, y, n, [](U p, U q) { return U((p != 0) & (q != 0)); });
    case LogicalOp::kOr: return map2(kind, a, b, y, n, [](U p, U q) { return U((p != 0) | (q != 0)); });
    case LogicalOp::kXor: return map2(kind, a, b, y, n, [](U p, U q) { return U((p != 0) ^ (q != 0)); });
  }
}

void logical_not(const uint8_t* x, uint8_t* y, int64_t n) {
#pragma GCC ivdep
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] == 0;
}

void select(const uint8_t* cond, const uint32_t* a, const uint32_t* b, uint32_t* y, int64_t n) {
#pragma GCC ivdep
  for (int64_t i = 0; i < n; ++i) y[i] = cond[i] ? a[i] : b[i];
}

// JS ToInt32 of a float: truncate, then wrap modulo 2^32; NaN and Inf give 0. Only
// |x| >= 2^31 needs the 64-bit route, so blocks without such values stay vectorized.
void f32_to_i32(const float* x, int32_t* y, int64_t n) {
  constexpr int64_t kBlock = 1024;
  for (int64_t b = 0; b < n; b += kBlock) {
    const int64_t m = n - b < kBlock ? n - b : kBlock;
    int wide = 0;
    for (int64_t i = 0; i < m; ++i) wide |= !(std::fabs(x[b + i]) < 2147483648.0f);
    if (!wide) {
#pragma GCC ivdep
      for (int64_t i = 0; i < m; ++i) y[b + i] = static_cast<int32_t>(x[b + i]);
    } else {
      for (int64_t i = 0; i < m; ++i) {
        const float v = x[b + i];
        const int64_t w = std::fabs(v) < 9.2e18f ? static_cast<int64_t>(v) : 0;  // >= 2^63: 0 mod 2^32
        y[b + i] = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(w)));
      }
    }
  }
}

template <class From, class To, class F>
KILN_VINLINE void convert(const void* x, void* y, int64_t n, F f) {
  const From* src = static_cast<const From*>(x);
  To* dst = static_cast<To*>(y);
#pragma GCC ivdep
  for (int64_t i = 0; i < n; ++i) dst[i] = f(src[i]);
}

void cast(int from, const void* x, int to, void* y, int64_t n) {
  const auto f = static_cast<DType>(from), t = static_cast<DType>(to);
  if (f == t) {
    if (x != y) std::memcpy(y, x, static_cast<size_t>(n) * (f == DType::kBool ? 1 : 4));
  } else if (f == DType::kFloat32 && t == DType::kInt32) {
    f32_to_i32(static_cast<const float*>(x), static_cast<int32_t*>(y), n);
  } else if (f == DType::kFloat32) {
    convert<float, uint8_t>(x, y, n, [](float v) { return uint8_t(v != 0.0f); });
  } else if (f == DType::kInt32 && t == DType::kFloat32) {
    convert<int32_t, float>(x, y, n, [](int32_t v) { return static_cast<float>(v); });
  } else if (f == DType::kInt32) {
    convert<int32_t, uint8_t>(x, y, n, [](int32_t v) { return uint8_t(v != 0); });
  } else if (t == DType::kFloat32) {
    convert<uint8_t, float>(x, y, n, [](uint8_t v) { return static_cast<float>(v); });
  } else {
    convert<uint8_t, int32_t>(x, y, n, [](uint8_t v) { return static_cast<int32_t>(v); });
  }
}

}  // namespace

constexpr detail::ElementwiseKernels kElementwise = {
    unary, binary, compare<float>, compare<int32_t>, logical, logical_not, select, cast,
};

}  // namespace KILN_ISA
}  // namespace kiln
