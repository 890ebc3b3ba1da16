// Scalar float32 <-> float16 / bfloat16 conversions (round to nearest even, as F16C and
// hardware bf16 units do), and unaligned little-endian loads/stores. Shared by every ISA
// build: the SIMD files use them for the tails of their loops.
#pragma once
#include <cstdint>
#include <cstring>

namespace kiln::detail {

inline uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

inline float bits_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

inline uint16_t load_u16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

inline void store_u16(uint8_t* p, uint16_t v) { std::memcpy(p, &v, 2); }

inline float load_f32(const uint8_t* p) {
  float v;
  std::memcpy(&v, p, 4);
  return v;
}

inline void store_f32(uint8_t* p, float v) { std::memcpy(p, &v, 4); }

inline uint16_t to_half(float f) {
  const uint32_t x = float_bits(f);
  const uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t a = x & 0x7fffffffu;
  // 2^16 and up (and inf / NaN) have no finite half: inf, or a quiet NaN.
  if (a >= 0x47800000u) return uint16_t(sign | (a > 0x7f800000u ? 0x7e00u : 0x7c00u));
  if (a < 0x38800000u) {
    // Below 2^-14 the half is subnormal: adding 0.5 lines its 10 bits up with the
    // float's low mantissa bits, and the FPU's own rounding is round-to-nearest-even.
    const float shifted = bits_float(a) + 0.5f;
    return uint16_t(sign | (float_bits(shifted) - 0x3f000000u));
  }
  // Rebias the exponent (127 -> 15) and round the 13 dropped bits to nearest even; a
  // carry out of the mantissa correctly bumps the exponent (up to inf).
  a += 0xc8000fffu + ((a >> 13) & 1u);
  return uint16_t(sign | (a >> 13));
}

inline float from_half(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16;
  const uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
  if (e == 0) {
    const float mag = float(m) * 5.9604644775390625e-8f;  // m * 2^-24, exact
    return bits_float(sign | float_bits(mag));
  }
  if (e == 31) return bits_float(sign | 0x7f800000u | (m << 13));
  return bits_float(sign | ((e + 112u) << 23) | (m << 13));
}

inline uint16_t to_bfloat(float f) {
  const uint32_t x = float_bits(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return uint16_t((x >> 16) | 0x40u);  // quiet NaN
  return uint16_t((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

inline float from_bfloat(uint16_t b) { return bits_float(uint32_t(b) << 16); }

}  // namespace kiln::detail
