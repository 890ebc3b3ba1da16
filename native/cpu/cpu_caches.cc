#include "kiln/cpu_caches.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace kiln {
namespace {

#if defined(__x86_64__)
// Walks a deterministic cache-parameters leaf (Intel 4, AMD 0x8000001D: same layout).
bool walk_leaf(unsigned leaf, CacheSizes* out) {
  bool any = false;
  for (unsigned i = 0; i < 16; ++i) {
    unsigned a, b, c, d;
    __cpuid_count(leaf, i, a, b, c, d);
    const unsigned type = a & 31, level = (a >> 5) & 7;
    if (type == 0) break;
    if (type == 2) continue;  // instruction cache
    const int64_t size = int64_t((b >> 22) + 1) * (((b >> 12) & 0x3ff) + 1) * ((b & 0xfff) + 1) * (int64_t(c) + 1);
    const int sharing = static_cast<int>(((a >> 14) & 0xfff) + 1);
    if (level == 1) out->l1d = size;
    else if (level == 2) out->l2 = size;
    else if (level == 3) {
      out->l3 = size;
      out->l3_sharing = sharing;
    }
    any = true;
  }
  return any;
}

CacheSizes detect() {
  CacheSizes s;
  unsigned a, b, c, d;
  if (!__get_cpuid(0, &a, &b, &c, &d)) return s;
  const unsigned max_leaf = a;
  const bool amd = b == 0x68747541;  // "Auth"enticAMD (Hygon answers the same leaves)
  const unsigned max_ext = __get_cpuid_max(0x80000000, nullptr);
  if (!amd && max_leaf >= 4 && walk_leaf(4, &s)) return s;
  if (max_ext >= 0x8000001D && __get_cpuid(0x80000001, &a, &b, &c, &d) && (c & (1u << 22)) &&
      walk_leaf(0x8000001D, &s))
    return s;
  if (max_ext >= 0x80000006) {
    __get_cpuid(0x80000005, &a, &b, &c, &d);
    if (c >> 24) s.l1d = int64_t(c >> 24) << 10;
    __get_cpuid(0x80000006, &a, &b, &c, &d);
    if (c >> 16) s.l2 = int64_t(c >> 16) << 10;
    if (d >> 18) s.l3 = int64_t(d >> 18) << 19;
  }
  return s;
}
#else
CacheSizes detect() { return CacheSizes{}; }
#endif

}  // namespace

const CacheSizes& cpu_caches() {
  static const CacheSizes sizes = detect();
  return sizes;
}

}  // namespace kiln
