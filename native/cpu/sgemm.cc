// GEMM driver in the BLIS loop order, transposed for row-major C:
//   ic (rows, L3 block) -> pc (depth KC) -> pack A once for the block (threads share it)
//   -> tasks over column ranges: each packs its own KC x NC slice of B (kept in its
//   core's L2) -> ir (MR rows) -> jr (NR columns) -> microkernel.
// Packing makes every kernel read unit-stride, aligned panels whatever the transposes;
// A is read in place instead when few column panels would reuse its packed copy.
// Blocking and kernel come from plan_gemm (gemm_plan.cc): CPUID cache sizes and SIMD.
#include "kiln/sgemm.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

#include "gemm_plan.h"
#include "kiln/cpu_caches.h"
#include "kiln/cpu_features.h"
#include "kiln/errors.h"
#include "kiln/thread_pool.h"
#include "sgemm_kernels.h"

namespace kiln {
namespace {

using detail::GemmKernel;
using detail::GemmPlan;

// Per-thread scratch that only grows: GEMMs run thousands of times per epoch and
// must not allocate on every call.
struct Scratch {
  float* data = nullptr;
  size_t cap = 0;
  ~Scratch() { std::free(data); }
  float* get(size_t floats) {
    if (floats > cap) {
      std::free(data);
      size_t bytes = ((floats * sizeof(float) + 63) / 64) * 64;
      data = static_cast<float*>(std::aligned_alloc(64, bytes));
      if (data == nullptr) {
        cap = 0;
        throw NativeError("OUT_OF_MEMORY", "MatMul", "cpu", "sgemm: cannot allocate packing buffer");
      }
      cap = floats;
    }
    return data;
  }
};

thread_local Scratch tls_a_block;  // caller's shared packed A
thread_local Scratch tls_b_block;  // each thread's packed B slice

void scale_c(const GemmShape& s, float beta, float* c) {
  for (int64_t i = 0; i < s.m; ++i) {
    float* row = c + i * s.ldc;
    if (beta == 0.0f) std::memset(row, 0, sizeof(float) * s.n);
    else if (beta != 1.0f) for (int64_t j = 0; j < s.n; ++j) row[j] *= beta;
  }
}

void sgemm_impl(const GemmShape& s, float alpha, const float* a, const float* b, float beta, float* c) {
  if (s.m <= 0 || s.n <= 0) return;
  if (s.k <= 0 || alpha == 0.0f) {
    scale_c(s, beta, c);
    return;
  }
  const GemmPlan plan = detail::plan_gemm(s, simd_level(), cpu_caches(), available_threads());
  const GemmKernel& kern = *plan.kernel;
  const int MR = kern.mr, NR = kern.nr;
  const int64_t k_blocks = plan.k_blocks, kc_max = plan.kc, mc_l3 = plan.mc;
  // Only the last, partial row panel needs a packed copy when A is read in place.
  float* a_block = tls_a_block.get(static_cast<size_t>((plan.pack_a ? mc_l3 : MR) * k_blocks * kc_max));
  // Strides of op(A) read in place: row r, depth p at a[r * rs + p * cs].
  const int64_t rs_a = s.trans_a ? 1 : s.lda, cs_a = s.trans_a ? s.lda : 1;

  const int64_t col_panels = (s.n + NR - 1) / NR;
  for (int64_t ic = 0; ic < s.m; ic += mc_l3) {
    const int64_t mc = std::min(mc_l3, s.m - ic);
    const int64_t row_panels = (mc + MR - 1) / MR;
    const bool partial = mc % MR != 0;
    // Packed panels: all of them, or only the partial last one (index 0 in a_block).
    const int64_t packed_panels = plan.pack_a ? row_panels : (partial ? 1 : 0);
    const int64_t first_packed = row_panels - packed_panels;
    // Depth block q of packed panel r starts at a_block + (q * packed_panels + r - first_packed) * MR * kc_max.
    auto packed_panel = [&](int64_t q, int64_t r) {
      return a_block + (q * packed_panels + r - first_packed) * MR * kc_max;
    };
    const int64_t pack_units = packed_panels * k_blocks;
    const int64_t pack_grain = std::max<int64_t>(1, 4096 / kc_max);
    auto pack = [&](int64_t u0, int64_t u1) {
      for (int64_t u = u0; u < u1; ++u) {
        const int64_t q = u / packed_panels, r = first_packed + u % packed_panels;
        const int64_t pc = q * kc_max, kc = std::min(kc_max, s.k - pc);
        const int mr = static_cast<int>(std::min<int64_t>(MR, mc - r * MR));
        const int64_t i0 = ic + r * MR;
        kern.pack_a(a + i0 * rs_a + pc * cs_a, s.lda, !s.trans_a, mr, kc, packed_panel(q, r));
      }
    };
    if (plan.threads > 1) parallel_for(pack_units, pack_grain, pack);
    else pack(0, pack_units);

    // Tasks own column ranges (and row ranges when there are few columns, see
    // plan_gemm); each walks the whole depth, so its C tile stays in its core's cache
    // across depth blocks.
    const int64_t col_tasks = plan.col_tasks, row_tasks = plan.row_tasks;
    const int64_t panels_per_block = plan.nc / NR;
    auto task = [&](int64_t t) {
      const int64_t ct = t % col_tasks, rt = t / col_tasks;
      const int64_t cp0 = col_panels * ct / col_tasks, cp1 = col_panels * (ct + 1) / col_tasks;
      const int64_t rp0 = row_panels * rt / row_tasks, rp1 = row_panels * (rt + 1) / row_tasks;
      float* b_block = tls_b_block.get(static_cast<size_t>(kc_max * panels_per_block * NR));
      for (int64_t jb = cp0; jb < cp1; jb += panels_per_block) {
        const int64_t jb_end = std::min(cp1, jb + panels_per_block);
        for (int64_t q = 0; q < k_blocks; ++q) {
          const int64_t pc = q * kc_max, kc = std::min(kc_max, s.k - pc);
          const float beta_eff = q == 0 ? beta : 1.0f;
          for (int64_t jp = jb; jp < jb_end; ++jp) {
            const int nr = static_cast<int>(std::min<int64_t>(NR, s.n - jp * NR));
            const int64_t j0 = jp * NR;
            kern.pack_b(b + (s.trans_b ? j0 * s.ldb + pc : pc * s.ldb + j0), s.ldb, s.trans_b, nr, kc,
                        b_block + (jp - jb) * NR * kc);
          }
          for (int64_t rp = rp0; rp < rp1; ++rp) {
            const int mr = static_cast<int>(std::min<int64_t>(MR, mc - rp * MR));
            float* crow = c + (ic + rp * MR) * s.ldc;
            if (rp >= first_packed) {
              const float* ap = packed_panel(q, rp);
              for (int64_t jp = jb; jp < jb_end; ++jp) {
                const int nr = static_cast<int>(std::min<int64_t>(NR, s.n - jp * NR));
                kern.packed(kc, ap, 1, MR, b_block + (jp - jb) * NR * kc, crow + jp * NR, s.ldc, alpha, beta_eff,
                            mr, nr);
              }
            } else {
              const float* ap = a + (ic + rp * MR) * rs_a + pc * cs_a;
              for (int64_t jp = jb; jp < jb_end; ++jp) {
                const int nr = static_cast<int>(std::min<int64_t>(NR, s.n - jp * NR));
                kern.strided(kc, ap, rs_a, cs_a, b_block + (jp - jb) * NR * kc, crow + jp * NR, s.ldc, alpha,
                             beta_eff, MR, nr);
              }
            }
          }
        }
      }
    };
    const int64_t tasks = col_tasks * row_tasks;
    if (plan.threads > 1 && tasks > 1) {
      ThreadPool::instance().run(tasks, task);
    } else {
      for (int64_t t = 0; t < tasks; ++t) task(t);
    }
  }
}

void check(const GemmShape& s) {
  if (s.m < 0 || s.n < 0 || s.k < 0) throw ShapeError("sgemm: m, n and k must be >= 0");
  const int64_t a_cols = s.trans_a ? s.m : s.k, b_cols = s.trans_b ? s.k : s.n;
  if (s.lda < a_cols || s.ldb < b_cols || s.ldc < s.n) throw ShapeError("sgemm: leading dimension too small");
}


}  // namespace

void sgemm(const GemmShape& s, float alpha, const float* a, const float* b, float beta, float* c) {
  check(s);
  sgemm_impl(s, alpha, a, b, beta, c);
}

void sgemm_batched(const GemmShape& s, int64_t batch, float alpha, const float* a, int64_t stride_a,
                   const float* b, int64_t stride_b, float beta, float* c, int64_t stride_c) {
  check(s);
  if (batch <= 0) return;
  // Many small products: one whole GEMM per thread beats splitting each one.
  const bool per_entry = batch >= available_threads() && s.m * s.n * s.k <= (int64_t(1) << 21);
  if (per_entry && available_threads() > 1) {
    parallel_for(batch, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t i = b0; i < b1; ++i)
        sgemm_impl(s, alpha, a + i * stride_a, b + i * stride_b, beta, c + i * stride_c);
    });
    return;
  }
  for (int64_t i = 0; i < batch; ++i)
    sgemm_impl(s, alpha, a + i * stride_a, b + i * stride_b, beta, c + i * stride_c);
}

}  // namespace kiln
