#include "kiln/cpu_features.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace kiln {
namespace {

SimdLevel detect() {
#if defined(__x86_64__)
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return SimdLevel::kScalar;
  bool osxsave = c & (1u << 27), fma = c & (1u << 12), avx = c & (1u << 28);
  if (!osxsave || !avx || !fma) return SimdLevel::kScalar;
  // XGETBV: the OS must save YMM (bits 1,2) and for AVX-512 also opmask/ZMM (bits 5,6,7).
  unsigned xlo, xhi;
  __asm__ volatile("xgetbv" : "=a"(xlo), "=d"(xhi) : "c"(0));
  if ((xlo & 0x6) != 0x6) return SimdLevel::kScalar;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return SimdLevel::kScalar;
  bool avx2 = b & (1u << 5);
  if (!avx2) return SimdLevel::kScalar;
  bool avx512f = b & (1u << 16), avx512dq = b & (1u << 17), avx512bw = b & (1u << 30),
       avx512vl = b & (1u << 31);
  if (avx512f && avx512dq && avx512bw && avx512vl && (xlo & 0xE0) == 0xE0) return SimdLevel::kAvx512;
  return SimdLevel::kAvx2;
#else
  return SimdLevel::kScalar;
#endif
}

SimdLevel initial() {
  SimdLevel hw = detect();
  SimdLevel want = hw;
  if (const char* env = std::getenv("KILN_SIMD")) parse_simd_level(env, &want);
  return static_cast<int>(want) < static_cast<int>(hw) ? want : hw;
}

std::atomic<int>& current() {
  static std::atomic<int> level{static_cast<int>(initial())};
  return level;
}

}  // namespace

SimdLevel detected_simd_level() {
  static const SimdLevel hw = detect();
  return hw;
}

SimdLevel simd_level() { return static_cast<SimdLevel>(current().load(std::memory_order_relaxed)); }

SimdLevel set_simd_level(SimdLevel level) {
  int hw = static_cast<int>(detected_simd_level());
  int v = static_cast<int>(level);
  current().store(v < hw ? v : hw);
  return simd_level();
}

const char* simd_level_name(SimdLevel level) {
  switch (level) {
    case SimdLevel::kAvx512: return "avx512";
    case SimdLevel::kAvx2: return "avx2";
    default: return "scalar";
  }
}

bool parse_simd_level(const char* text, SimdLevel* out) {
  if (std::strcmp(text, "scalar") == 0) *out = SimdLevel::kScalar;
  else if (std::strcmp(text, "avx2") == 0) *out = SimdLevel::kAvx2;
  else if (std::strcmp(text, "avx512") == 0) *out = SimdLevel::kAvx512;
  else return false;
  return true;
}

}  // namespace kiln
