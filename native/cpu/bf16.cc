// bf16 conversions and the bf16 GEMM driver: picks the kernel (bf16.h says which runs
// where), packs op(A) once into pair panels, then threads over column panels, each task
// packing its own B panel (all of the depth: the pair panels are half the bytes of fp32
// ones) and walking every row panel. The widening fallback converts both inputs to fp32
// and hands the product to sgemm, whose tuned kernels then run it.
#include "kiln/bf16.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "bf16_kernels.h"
#include "kiln/thread_pool.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace kiln {
namespace {

using detail::Bf16Kernel;

bool detect_avx512_bf16() {
#if defined(__x86_64__)
  if (detected_simd_level() != SimdLevel::kAvx512) return false;
  unsigned a, b, c, d;
  if (!__get_cpuid_count(7, 1, &a, &b, &c, &d)) return false;
  return (a & (1u << 5)) != 0;
#else
  return false;
#endif
}

// Grows only: a training step calls this thousands of times per epoch.
template <class T>
T* grow(std::vector<T>& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

thread_local std::vector<uint16_t> tls_a_pairs;
thread_local std::vector<uint16_t> tls_b_pairs;
thread_local std::vector<float> tls_a_wide;
thread_local std::vector<float> tls_b_wide;

// Elements a row-major matrix of `rows` x `cols` with row stride ld spans.
int64_t span(int64_t rows, int64_t cols, int64_t ld) { return rows <= 0 || cols <= 0 ? 0 : (rows - 1) * ld + cols; }

void gemm_pairs(const Bf16Kernel& kern, const GemmShape& s, float alpha, const uint16_t* a, const uint16_t* b,
                float beta, float* c) {
  const int MR = kern.mr, NR = kern.nr;
  const int64_t pairs = (s.k + 1) / 2;
  const int64_t row_panels = (s.m + MR - 1) / MR, col_panels = (s.n + NR - 1) / NR;
  const int64_t a_panel = MR * pairs * 2, b_panel = NR * pairs * 2;
  uint16_t* ap = grow(tls_a_pairs, static_cast<size_t>(row_panels * a_panel));
  // Rows of op(A) are lanes: contiguous depth unless A is stored transposed.
  parallel_for(row_panels, std::max<int64_t>(1, 4096 / (pairs + 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t i0 = r * MR;
      const int valid = static_cast<int>(std::min<int64_t>(MR, s.m - i0));
      kern.pack_a(a + (s.trans_a ? i0 : i0 * s.lda), s.lda, !s.trans_a, valid, s.k, ap + r * a_panel);
    }
  });
  const int64_t tasks = std::min<int64_t>(col_panels, std::max(1, available_threads()) * 4);
  auto task = [&](int64_t t) {
    uint16_t* bp = grow(tls_b_pairs, static_cast<size_t>(b_panel));
    for (int64_t jp = col_panels * t / tasks; jp < col_panels * (t + 1) / tasks; ++jp) {
      const int64_t j0 = jp * NR;
      const int nr = static_cast<int>(std::min<int64_t>(NR, s.n - j0));
      kern.pack_b(b + (s.trans_b ? j0 * s.ldb : j0), s.ldb, s.trans_b, nr, s.k, bp);
      for (int64_t r = 0; r < row_panels; ++r) {
        const int mr = static_cast<int>(std::min<int64_t>(MR, s.m - r * MR));
        kern.kernel(pairs, ap + r * a_panel, bp, c + r * MR * s.ldc + j0, s.ldc, alpha, beta, mr, nr);
      }
    }
  };
  if (tasks > 1) ThreadPool::instance().run(tasks, task);
  else task(0);
}

void gemm_widened(const GemmShape& s, float alpha, const uint16_t* a, const uint16_t* b, float beta, float* c) {
  const int64_t na = s.trans_a ? span(s.k, s.m, s.lda) : span(s.m, s.k, s.lda);
  const int64_t nb = s.trans_b ? span(s.n, s.k, s.ldb) : span(s.k, s.n, s.ldb);
  float* wa = grow(tls_a_wide, static_cast<size_t>(na));
  float* wb = grow(tls_b_wide, static_cast<size_t>(nb));
  bf16_to_f32(a, wa, na);
  bf16_to_f32(b, wb, nb);
  sgemm(s, alpha, wa, wb, beta, c);
}

// The pair-dot kernel for a core, or nullptr where the widening fallback runs.
const Bf16Kernel* pair_kernel(SimdLevel level, bool avx512_bf16) {
  if (level == SimdLevel::kAvx512 && avx512_bf16) return &detail::bf16_kernel_avx512bf16();
  if (level == SimdLevel::kScalar) return &detail::bf16_kernel_scalar();
  return nullptr;
}

}  // namespace

bool cpu_has_avx512_bf16() {
  static const bool has = detect_avx512_bf16();
  return has;
}

const char* bf16_kernel_name(SimdLevel level, bool avx512_bf16) {
  const Bf16Kernel* k = pair_kernel(level, avx512_bf16);
  return k ? k->name : "widen-fp32-sgemm";
}

void f32_to_bf16(const float* src, uint16_t* dst, int64_t n) {
  if (simd_level() >= SimdLevel::kAvx2) detail::f32_to_bf16_avx2(src, dst, n);
  else detail::f32_to_bf16_loop(src, dst, n);
}

void bf16_to_f32(const uint16_t* src, float* dst, int64_t n) {
  if (simd_level() >= SimdLevel::kAvx2) detail::bf16_to_f32_avx2(src, dst, n);
  else detail::bf16_to_f32_loop(src, dst, n);
}

void gemm_bf16(const GemmShape& s, float alpha, const uint16_t* a, const uint16_t* b, float beta, float* c) {
  if (s.m <= 0 || s.n <= 0) return;
  if (s.k <= 0 || alpha == 0.0f) {
    // Nothing to multiply: C = beta * C, as sgemm does it.
    sgemm(s, 0.0f, nullptr, nullptr, beta, c);
    return;
  }
  if (const Bf16Kernel* k = pair_kernel(simd_level(), cpu_has_avx512_bf16())) gemm_pairs(*k, s, alpha, a, b, beta, c);
  else gemm_widened(s, alpha, a, b, beta, c);
}

}  // namespace kiln
