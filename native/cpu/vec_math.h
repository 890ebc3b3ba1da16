// Float math written so GCC's loop vectorizer turns it into SIMD code: straight-line
// arithmetic, selects instead of branches, bit casts instead of library calls (std::exp
// and friends never vectorize). Exp and log follow Cephes' range reductions; the erf,
// expm1 and erfc polynomials are fits made for these routines. All are within a few ulp
// of the correctly rounded result, keep NaN, and handle +-0, +-Inf and subnormals.
//
// Included by each ISA translation unit inside namespace kiln::KILN_ISA, so every
// instruction set gets its own copy and no inline function is shared across them
// (the linker would otherwise pick one copy, possibly an AVX-512 one, for all callers).
#pragma once
#include <cmath>
#include <cstdint>

#ifndef KILN_ISA
#error "define KILN_ISA (the instruction-set namespace) before including vec_math.h"
#endif

#define KILN_VINLINE inline __attribute__((always_inline))

namespace kiln {
namespace KILN_ISA {

KILN_VINLINE uint32_t as_bits(float f) { return __builtin_bit_cast(uint32_t, f); }
KILN_VINLINE float from_bits(uint32_t u) { return __builtin_bit_cast(float, u); }
KILN_VINLINE bool is_nan(float v) { return v != v; }
KILN_VINLINE float copy_sign(float mag, float sign) {
  return from_bits((as_bits(mag) & 0x7fffffffu) | (as_bits(sign) & 0x80000000u));
}

/// Round half to even (tf.round). SSE4.1 has an instruction for it; the baseline build
/// uses the 2^23 trick, which is exact below 2^23 where floats still have fractions.
KILN_VINLINE float v_rint(float x) {
#if defined(__SSE4_1__)
  return __builtin_nearbyintf(x);
#else
  const float a = std::fabs(x);
  const float r = (a + 8388608.0f) - 8388608.0f;
  return a < 8388608.0f ? copy_sign(r, x) : x;
#endif
}

KILN_VINLINE double v_rint_d(double x) {
#if defined(__SSE4_1__)
  return __builtin_nearbyint(x);
#else
  const double a = std::fabs(x);
  const double r = (a + 4503599627370496.0) - 4503599627370496.0;
  return a < 4503599627370496.0 ? std::copysign(r, x) : x;
#endif
}

// floor/ceil through rint, which vectorizes on every ISA. The result always has x's
// sign (ceil(-0.5) is -0, not the +0 that -1 + 1 gives).
KILN_VINLINE float v_floor(float x) {
  const float r = v_rint(x);
  return copy_sign(r > x ? r - 1.0f : r, x);
}
KILN_VINLINE float v_ceil(float x) {
  const float r = v_rint(x);
  return copy_sign(r < x ? r + 1.0f : r, x);
}
KILN_VINLINE double v_floor_d(double x) {
  const double r = v_rint_d(x);
  return r > x ? r - 1.0 : r;
}

/// e^x. n = round(x / ln 2), r = x - n ln 2 in two parts, a degree-5 polynomial for
/// e^r, and 2^n applied in two halves so results in the subnormal range stay exact.
KILN_VINLINE float v_exp(float x) {
  float xc = x > 88.8f ? 88.8f : x;
  xc = xc < -104.0f ? -104.0f : xc;
  xc = is_nan(x) ? 0.0f : xc;
  const float n = v_rint(xc * 1.44269504088896341f);
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  float e = p * (r * r) + r + 1.0f;
  const int32_t ni = static_cast<int32_t>(n);
  const int32_t n1 = ni >> 1, n2 = ni - n1;
  e = e * from_bits(static_cast<uint32_t>(n1 + 127) << 23);
  e = e * from_bits(static_cast<uint32_t>(n2 + 127) << 23);
  return is_nan(x) ? x : e;
}

/// Natural log: x = m 2^e with m in [sqrt(1/2), sqrt(2)), a degree-8 polynomial in m - 1.
KILN_VINLINE float v_log(float x) {
  const bool sub = x < 1.17549435e-38f;  // subnormal (or <= 0: fixed below)
  const float xs = sub ? x * 8388608.0f : x;
  const uint32_t u = as_bits(xs);
  int32_t e = static_cast<int32_t>(u >> 23) - 126;
  float m = from_bits((u & 0x007fffffu) | 0x3f000000u);  // [0.5, 1)
  e = sub ? e - 23 : e;
  const bool low = m < 0.707106781186547524f;
  e = low ? e - 1 : e;
  m = low ? (m + m) - 1.0f : m - 1.0f;
  const float fe = static_cast<float>(e);
  const float z = m * m;
  float y = 7.0376836292e-2f;
  y = y * m - 1.1514610310e-1f;
  y = y * m + 1.1676998740e-1f;
  y = y * m - 1.2420140846e-1f;
  y = y * m + 1.4249322787e-1f;
  y = y * m - 1.6668057665e-1f;
  y = y * m + 2.0000714765e-1f;
  y = y * m - 2.4999993993e-1f;
  y = y * m + 3.3333331174e-1f;
  y = y * m * z;
  y = y + fe * -2.12194440e-4f;
  y = y - 0.5f * z;
  float r = m + y;
  r = r + fe * 0.693359375f;
  r = x == 0.0f ? -INFINITY : r;
  r = x < 0.0f ? NAN : r;
  r = x == INFINITY ? x : r;
  return is_nan(x) ? x : r;
}

/// log(1 + x) without cancellation: log(u) * x / (u - 1) with u = 1 + x (Goldberg).
KILN_VINLINE float v_log1p(float x) {
  const float u = 1.0f + x;
  const float d = u - 1.0f;
  float r = v_log(u) * (x / d);
  r = d == 0.0f ? x : r;
  return x == INFINITY ? x : r;
}

/// e^x - 1: a polynomial below |x| = 0.5 (where e^x - 1 cancels), e^x - 1 above.
KILN_VINLINE float v_expm1(float x) {
  const float z = x * x;
  float q = 2.48531823963154e-05f;
  q = q * x + 1.99447614959349e-04f;
  q = q * x + 1.38889539635821e-03f;
  q = q * x + 8.33323641567440e-03f;
  q = q * x + 4.16666657898506e-02f;
  q = q * x + 1.66666668008037e-01f;
  float small = x + 0.5f * z + z * x * q;
  small = x == 0.0f ? x : small;  // keeps -0
  const float big = v_exp(x) - 1.0f;
  return std::fabs(x) < 0.5f ? small : big;
}

/// tanh = expm1(2x) / (expm1(2x) + 2); |x| >= 10 is +-1 in float anyway.
KILN_VINLINE float v_tanh(float x) {
  float xc = x > 10.0f ? 10.0f : x;
  xc = xc < -10.0f ? -10.0f : xc;
  const float em = v_expm1(xc + xc);
  return em / (em + 2.0f);
}

/// 1 / (1 + e^-x), written with e = e^-|x| so that neither side overflows: below
/// x = -88 the result is subnormal, not 0.
KILN_VINLINE float v_sigmoid(float x) {
  const float e = v_exp(-std::fabs(x));
  const float s = 1.0f / (1.0f + e);
  return x >= 0.0f ? s : (is_nan(x) ? x : e * s);
}

/// erf: x P(x^2) below 1; above, 1 - e^(-x^2) erfcx(x) with erfcx as a polynomial in
/// 1/x, clamped at 4 where erf is 1 in float.
KILN_VINLINE float v_erf(float x) {
  const float a = std::fabs(x);
  const float z = x * x;
  float p = 7.854221069889303e-05f;
  p = p * z - 8.010311279310099e-04f;
  p = p * z + 5.188342500158246e-03f;
  p = p * z - 2.685382089805649e-02f;
  p = p * z + 1.128358541243008e-01f;
  p = p * z - 3.761262585750217e-01f;
  p = p * z + 1.128379165738618e+00f;
  const float small = x * p;
  float ac = a > 4.0f ? 4.0f : a;
  ac = ac < 1.0f ? 1.0f : ac;
  const float u = 1.0f / ac;
  float q = 3.071604877692432e-02f;
  q = q * u - 1.797242458417108e-01f;
  q = q * u + 4.382676158259354e-01f;
  q = q * u - 5.369859624313044e-01f;
  q = q * u + 2.383657621258474e-01f;
  q = q * u + 2.303774677606682e-01f;
  q = q * u - 3.758567302037492e-01f;
  q = q * u + 2.053441186717069e-02f;
  q = q * u + 5.617681462821864e-01f;
  q = q * u + 1.210682280163018e-04f;
  const float big = copy_sign(1.0f - v_exp(-(ac * ac)) * q, x);
  return a < 1.0f ? small : (is_nan(x) ? x : big);
}

/// sin and cos: the reduction x - j pi/2 runs in double (exact for |x| < 2^20) and so
/// do the Taylor polynomials on [-pi/4, pi/4]. Callers send larger |x|, Inf and NaN to
/// std::sin / std::cos (sin_cos_fast_ok).
KILN_VINLINE bool sin_cos_fast_ok(float x) { return std::fabs(x) <= 1048576.0f; }

KILN_VINLINE double sin_poly(double r, double r2) {
  return r + r * r2 * (-1.0 / 6 + r2 * (1.0 / 120 + r2 * (-1.0 / 5040 + r2 * (1.0 / 362880 +
         r2 * (-1.0 / 39916800 + r2 * (1.0 / 6227020800.0))))));
}
KILN_VINLINE double cos_poly(double r2) {
  return 1.0 + r2 * (-0.5 + r2 * (1.0 / 24 + r2 * (-1.0 / 720 + r2 * (1.0 / 40320 +
         r2 * (-1.0 / 3628800 + r2 * (1.0 / 479001600.0))))));
}

/// sin(x) (cos when Cos) for |x| <= 2^20.
template <bool Cos>
KILN_VINLINE float v_sincos(float xf) {
  const double x = xf;
  const double j = v_rint_d(x * 0.63661977236758134308);
  double r = x - j * 1.57079632673412561417e+00;  // pi/2 in 33 bits: j * it is exact
  r = r - j * 6.07710050650619224932e-11;         // the rest of pi/2
  const double r2 = r * r;
  const double s = sin_poly(r, r2), c = cos_poly(r2);
  const int32_t q = (static_cast<int32_t>(j) + (Cos ? 1 : 0)) & 3;
  double v = (q & 1) ? c : s;
  v = (q & 2) ? -v : v;
  const float out = static_cast<float>(v);
  return (!Cos && xf == 0.0f) ? xf : out;  // sin(-0) = -0
}

// ---- tfjs-backend-cpu's activation formulas (NaN and signed zero as there) ----

KILN_VINLINE float act_relu(float v) { return v > 0.0f ? v : (is_nan(v) ? v : 0.0f); }
KILN_VINLINE float act_relu6(float v) {
  return is_nan(v) ? v : (v > 6.0f ? 6.0f : (v > 0.0f ? v : 0.0f));
}
KILN_VINLINE float act_elu(float v) { return v >= 0.0f ? v : v_expm1(v); }
KILN_VINLINE float act_leaky_relu(float v, float alpha) { return v < 0.0f ? alpha * v : v; }

}  // namespace KILN_ISA
}  // namespace kiln
