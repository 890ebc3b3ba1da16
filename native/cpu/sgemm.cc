// GEMM driver in the BLIS loop order, transposed for row-major C:
//   ic (rows, L3 block) -> pc (depth KC) -> pack A once for the block (threads share it)
//   -> tasks over column ranges: each packs its own KC x NC slice of B (kept in its
//   core's L2) -> ir (MR rows) -> jr (NR columns) -> microkernel.
// Packing makes every kernel read unit-stride, aligned panels whatever the transposes.
#include "kiln/sgemm.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

#include "kiln/cpu_features.h"
#include "kiln/errors.h"
#include "kiln/thread_pool.h"
#include "sgemm_kernels.h"

namespace kiln {
namespace {

using detail::GemmKernel;

constexpr int64_t kKc = 256;   // depth of one packed block
constexpr int64_t kNc = 512;   // columns of a B block: KC x NC x 4 B = 512 KiB, half an L2
constexpr int64_t kMcL3 = 4096;  // rows of the shared packed A block
constexpr int64_t kMaxABlock = int64_t(2) << 20;  // floats of packed A (8 MiB, inside L3)

const GemmKernel& select_kernel(int64_t n) {
  switch (simd_level()) {
    case SimdLevel::kAvx512: return n <= 16 ? detail::gemm_kernel_avx512_narrow() : detail::gemm_kernel_avx512();
    case SimdLevel::kAvx2: return detail::gemm_kernel_avx2();
    default: return detail::gemm_kernel_scalar();
  }
}

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

// Packs rows [i0, i0+mr) x depth [p0, p0+kc) of op(A) as a[p*MR + r], zero padding rows.
void pack_a_panel(const GemmShape& s, const float* a, int64_t i0, int mr, int64_t p0, int64_t kc, int MR,
                  float* dst) {
  if (!s.trans_a) {
    // Blocks of 8 depths: each row contributes 8 contiguous floats (one read stream per
    // row stays in L1) and the panel is written sequentially.
    const float* rows = a + i0 * s.lda + p0;
    int64_t p = 0;
    for (; p + 8 <= kc; p += 8) {
      float* d = dst + p * MR;
      for (int r = 0; r < mr; ++r) {
        const float* src = rows + r * s.lda + p;
        for (int q = 0; q < 8; ++q) d[q * MR + r] = src[q];
      }
    }
    for (; p < kc; ++p)
      for (int r = 0; r < mr; ++r) dst[p * MR + r] = rows[r * s.lda + p];
  } else {
    for (int64_t p = 0; p < kc; ++p) std::memcpy(dst + p * MR, a + (p0 + p) * s.lda + i0, sizeof(float) * mr);
  }
  if (mr < MR)
    for (int64_t p = 0; p < kc; ++p) std::memset(dst + p * MR + mr, 0, sizeof(float) * (MR - mr));
}

// Packs depth [p0, p0+kc) x columns [j0, j0+nr) of op(B) as b[p*NR + j], zero padding.
void pack_b_panel(const GemmShape& s, const float* b, int64_t p0, int64_t kc, int64_t j0, int nr, int NR,
                  float* dst) {
  if (!s.trans_b) {
    for (int64_t p = 0; p < kc; ++p) {
      std::memcpy(dst + p * NR, b + (p0 + p) * s.ldb + j0, sizeof(float) * nr);
      if (nr < NR) std::memset(dst + p * NR + nr, 0, sizeof(float) * (NR - nr));
    }
  } else {
    for (int j = 0; j < nr; ++j) {
      const float* src = b + (j0 + j) * s.ldb + p0;
      for (int64_t p = 0; p < kc; ++p) dst[p * NR + j] = src[p];
    }
    if (nr < NR)
      for (int64_t p = 0; p < kc; ++p) std::memset(dst + p * NR + nr, 0, sizeof(float) * (NR - nr));
  }
}

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
  const GemmKernel& kern = select_kernel(s.n);
  const int MR = kern.mr, NR = kern.nr;
  const int threads = available_threads();

  // Even depth blocks: 784 becomes 4 x 196 rather than 3 x 256 + 16.
  const int64_t k_blocks = (s.k + kKc - 1) / kKc;
  const int64_t kc_max = (s.k + k_blocks - 1) / k_blocks;
  // The whole depth of an A block is packed up front (one parallel phase, then one
  // compute phase per block: two pool dispatches instead of two per depth block), so
  // the block is capped at kMaxABlock floats.
  const int64_t rows_cap = std::max<int64_t>(MR, (kMaxABlock / (k_blocks * kc_max)) / MR * MR);
  const int64_t mc_l3 = std::min<int64_t>(((s.m + MR - 1) / MR) * MR, std::min(kMcL3, rows_cap));
  float* a_block = tls_a_block.get(static_cast<size_t>(mc_l3 * k_blocks * kc_max));
  // Depth block q of row panel r starts at a_block + (q * row_panels + r) * MR * kc_max.
  auto a_panel = [&](int64_t q, int64_t r, int64_t row_panels) {
    return a_block + (q * row_panels + r) * MR * kc_max;
  };

  const int64_t col_panels = (s.n + NR - 1) / NR;
  for (int64_t ic = 0; ic < s.m; ic += mc_l3) {
    const int64_t mc = std::min(mc_l3, s.m - ic);
    const int64_t row_panels = (mc + MR - 1) / MR;
    const int64_t pack_units = row_panels * k_blocks;
    const int64_t pack_grain = std::max<int64_t>(1, 4096 / kc_max);
    parallel_for(pack_units, pack_grain, [&](int64_t u0, int64_t u1) {
      for (int64_t u = u0; u < u1; ++u) {
        const int64_t q = u / row_panels, r = u % row_panels;
        const int64_t pc = q * kc_max, kc = std::min(kc_max, s.k - pc);
        const int mr = static_cast<int>(std::min<int64_t>(MR, mc - r * MR));
        pack_a_panel(s, a, ic + r * MR, mr, pc, kc, MR, a_panel(q, r, row_panels));
      }
    });

    // Tasks own column ranges (and row ranges when there are few columns); each walks
    // the whole depth, so its C tile stays in its core's cache across depth blocks.
    const int64_t col_tasks = std::min<int64_t>(col_panels, threads * 4);
    const int64_t row_tasks =
        col_panels >= threads ? 1 : std::min<int64_t>(row_panels, (threads * 2 + col_tasks - 1) / col_tasks);
    auto task = [&](int64_t t) {
      const int64_t ct = t % col_tasks, rt = t / col_tasks;
      const int64_t cp0 = col_panels * ct / col_tasks, cp1 = col_panels * (ct + 1) / col_tasks;
      const int64_t rp0 = row_panels * rt / row_tasks, rp1 = row_panels * (rt + 1) / row_tasks;
      const int64_t panels_per_block = kNc / NR;
      float* b_block = tls_b_block.get(static_cast<size_t>(kc_max * panels_per_block * NR));
      for (int64_t jb = cp0; jb < cp1; jb += panels_per_block) {
        const int64_t jb_end = std::min(cp1, jb + panels_per_block);
        for (int64_t q = 0; q < k_blocks; ++q) {
          const int64_t pc = q * kc_max, kc = std::min(kc_max, s.k - pc);
          const float beta_eff = q == 0 ? beta : 1.0f;
          for (int64_t jp = jb; jp < jb_end; ++jp) {
            const int nr = static_cast<int>(std::min<int64_t>(NR, s.n - jp * NR));
            pack_b_panel(s, b, pc, kc, jp * NR, nr, NR, b_block + (jp - jb) * NR * kc);
          }
          for (int64_t rp = rp0; rp < rp1; ++rp) {
            const int mr = static_cast<int>(std::min<int64_t>(MR, mc - rp * MR));
            const float* ap = a_panel(q, rp, row_panels);
            float* crow = c + (ic + rp * MR) * s.ldc;
            for (int64_t jp = jb; jp < jb_end; ++jp) {
              const int nr = static_cast<int>(std::min<int64_t>(NR, s.n - jp * NR));
              kern.fn(kc, ap, b_block + (jp - jb) * NR * kc, crow + jp * NR, s.ldc, alpha, beta_eff, mr, nr);
            }
          }
        }
      }
    };
    const int64_t tasks = col_tasks * row_tasks;
    if (threads > 1 && tasks > 1) {
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


// Below this many multiply-adds a second thread costs more (wake-up, split packing)
// than it saves: 64^3 runs 58 GFLOPS on one thread and 43 on two here.
constexpr int64_t kSerialBelow = int64_t(1) << 19;

void sgemm_dispatch(const GemmShape& s, float alpha, const float* a, const float* b, float beta, float* c) {
  if (s.m * s.n * s.k < kSerialBelow && available_threads() > 1) {
    // A one-task run executes inline and marks this thread as inside a task, so the
    // parallel_for calls below stay serial.
    ThreadPool::instance().run(1, [&](int64_t) { sgemm_impl(s, alpha, a, b, beta, c); });
    return;
  }
  sgemm_impl(s, alpha, a, b, beta, c);
}

}  // namespace

void sgemm(const GemmShape& s, float alpha, const float* a, const float* b, float beta, float* c) {
  check(s);
  sgemm_dispatch(s, alpha, a, b, beta, c);
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
    sgemm_dispatch(s, alpha, a + i * stride_a, b + i * stride_b, beta, c + i * stride_c);
}

}  // namespace kiln
