// Data cache sizes of the core the kernels run on, read once from CPUID (Intel leaf 4,
// AMD leaf 0x8000001D, older AMD leaves 0x80000005/6). The GEMM blocking is derived from
// them (gemm_plan.h), so one build runs well on a 512 KiB-L2 Zen 3 and a 2 MiB-L2 Xeon.
#pragma once
#include <cstdint>

namespace kiln {

struct CacheSizes {
  int64_t l1d = 32 << 10;  // bytes, per core
  int64_t l2 = 1 << 20;    // bytes, per core
  int64_t l3 = 8 << 20;    // bytes, one instance (shared by l3_sharing logical CPUs)
  int l3_sharing = 1;
};

/// The detected sizes (defaults above where CPUID says nothing, e.g. a non-x86 build).
const CacheSizes& cpu_caches();

}  // namespace kiln
