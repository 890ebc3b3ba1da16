// Blocking from the cache sizes (the BLIS analytical model, roles of A and B swapped
// because C is row-major and B is the operand kept in L2):
//  - L1 holds the MR x KC A micro-panel the inner loop reuses, while B micro-panels
//    stream through it: KC is the largest depth whose A micro-panel fills a quarter of L1.
//  - L2 holds the KC x NC packed B block every row panel of A sweeps: half of L2, the
//    rest is for the streaming A and C lines (Zen 3's 512 KiB L2 gets NC = 320 at
//    KC = 196; a 2 MiB-L2 Xeon NC ~ 1300).
//  - L3 holds the packed A block all threads share: half of one L3 instance, at most
//    8 MiB.
// Threads split the columns (each packs its own slice of B, no sharing, no barrier):
// into ranges as wide as a B block allows, so an A micro-panel brought into L1 serves as
// many column panels as it does on one thread.
#include "gemm_plan.h"

#include <algorithm>

namespace kiln::detail {
namespace {

constexpr int64_t kMinThreadWork = int64_t(1) << 16;

const GemmKernel& select_kernel(SimdLevel level, int64_t n) {
  switch (level) {
    case SimdLevel::kAvx512: return n <= 16 ? gemm_kernel_avx512_narrow() : gemm_kernel_avx512();
    case SimdLevel::kAvx2: return gemm_kernel_avx2();
    default: return gemm_kernel_scalar();
  }
}

}  // namespace

GemmPlan plan_gemm(const GemmShape& s, SimdLevel level, const CacheSizes& caches, int threads) {
  const GemmKernel& kern = select_kernel(level, s.n);
  const int64_t mr = kern.mr, nr = kern.nr;
  // Sizes CPUID may misreport under a hypervisor are held to sane ranges.
  const int64_t l1 = std::clamp<int64_t>(caches.l1d, 16 << 10, 256 << 10);
  const int64_t l2 = std::clamp<int64_t>(caches.l2, 128 << 10, 16 << 20);
  const int64_t l3 = std::max<int64_t>(caches.l3, l2);

  const int64_t kc_cap = std::clamp<int64_t>(l1 / 4 / (mr * 4) / 8 * 8, 128, 512);
  // Even depth blocks: 784 becomes 4 x 196 rather than 3 x 256 + 16.
  const int64_t k = std::max<int64_t>(s.k, 1);
  const int64_t k_blocks = (k + kc_cap - 1) / kc_cap;
  const int64_t kc = (k + k_blocks - 1) / k_blocks;

  const int64_t nc = std::max<int64_t>(nr, l2 / 2 / (kc * 4) / nr * nr);

  // The whole depth of an A block is packed in one parallel phase, so its rows are
  // capped by the block's size.
  const int64_t a_floats = std::clamp<int64_t>(l3 / 2, 1 << 20, 8 << 20) / 4;
  const int64_t rows_cap = std::max<int64_t>(mr, (a_floats / (k_blocks * kc)) / mr * mr);
  // MC must be a whole number of MR panels: sgemm sizes its packed-A buffer as MC x depth,
  // and a block that ends mid-panel packs a full MR-row panel past it (4096 rows at MR 6
  // overran the buffer by 256 floats on a 6272-row TN product: heap corruption).
  const int64_t mc = std::min<int64_t>((s.m + mr - 1) / mr * mr, std::min<int64_t>(4096 / mr * mr, rows_cap));

  // Reading A in place saves its packing pass (up to 10% of a 256x256x784 product, 60%
  // of 128x10x128), and its MR row streams stay in L1 while the column panels sweep
  // them. Packing wins when many column panels amortize it, when A's rows are 4 KiB
  // apart and would share L1 sets (1024-wide A: 0.82x OpenBLAS in place, 0.97x packed
  // on Zen 3), and for a transposed A beyond a few panels (each depth step is then a
  // cache line of its own: 1024x256x128 TN 0.88x in place, 1.03x packed).
  const int64_t col_panels = (s.n + nr - 1) / nr;
  const bool pack_a = s.trans_a ? col_panels > 4
                                : col_panels > 32 || ((s.lda * 4) % 4096 == 0 && col_panels > 2);

  // A thread is worth waking for at least kMinThreadWork multiply-adds: 128x10x128 (the
  // MLP's last layer, 164 K) splits over two, 32^3 does not.
  const int64_t work = s.m * s.n * k;
  const int used = static_cast<int>(std::clamp<int64_t>(work / kMinThreadWork, 1, std::max(threads, 1)));
  // Column ranges no narrower than a B block (nc) where the columns allow, in a multiple
  // of the threads; rows split too when there are fewer column panels than threads.
  // threads * 4 ranges of a quarter of that width, as before, halved each A micro-panel's
  // reuse on two threads (0.89x OpenBLAS at 1024^3 where one thread ran at 0.97x).
  const int64_t row_panels = (std::min<int64_t>(s.m, mc) + mr - 1) / mr;
  const int64_t blocks = (col_panels + nc / nr - 1) / (nc / nr);
  const int64_t col_tasks = std::min<int64_t>(col_panels, (std::max<int64_t>(blocks, used) + used - 1) / used * used);
  const int64_t row_tasks =
      col_tasks >= used ? 1 : std::min<int64_t>(row_panels, (used + col_tasks - 1) / col_tasks);
  return GemmPlan{&kern, kc, k_blocks, nc, mc, pack_a, used, col_tasks, row_tasks};
}

}  // namespace kiln::detail

namespace kiln {

SgemmPlanInfo sgemm_plan(const GemmShape& s, SimdLevel level, const CacheSizes& caches, int threads) {
  const detail::GemmPlan p = detail::plan_gemm(s, level, caches, threads);
  return SgemmPlanInfo{p.kernel->name, p.kernel->mr, p.kernel->nr, p.kc,        p.k_blocks,
                       p.nc,           p.mc,           p.pack_a,       p.threads, p.col_tasks,
                       p.row_tasks};
}

}  // namespace kiln
