// Which SIMD instruction set the CPU kernels use. Detected once by CPUID/XGETBV; the
// environment variable KILN_SIMD=scalar|avx2|avx512 (or set_simd_level) lowers it, never
// raises it past what the CPU and OS support.
#pragma once

namespace kiln {

enum class SimdLevel : int { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

/// Best level the hardware and OS support.
SimdLevel detected_simd_level();
/// Level the kernels use now.
SimdLevel simd_level();
/// Sets the level (clamped to detected); returns the level in effect afterwards.
SimdLevel set_simd_level(SimdLevel level);
const char* simd_level_name(SimdLevel level);
/// Parses "scalar" | "avx2" | "avx512"; returns false for anything else.
bool parse_simd_level(const char* text, SimdLevel* out);

}  // namespace kiln
