// The one GEMM microkernel, written once over a vector type: each ISA file includes this
// with its Traits (the scalar, AVX2 and AVX-512 files), so the loop, stride, edge and
// prefetch logic tested on one core is the logic every core runs; only the five vector
// operations differ. Computes one MR x NR tile (NR = NV vectors of Traits::kWidth):
//   acc[r][j] = sum_p A(r, p) * b[p*NR + j],   A(r, p) = a[r*rs_a + p*cs_a]
//   C[r][j]   = alpha * acc[r][j] + beta * C[r][j]   (beta == 0: C is not read)
// for r < mr, j < nr. Packed A panels have rs_a = 1, cs_a = MR (kStrided = false, so the
// offsets are constants); A read in place has its own strides (kStrided = true). B is
// always a packed, zero-padded, aligned panel.
#pragma once
#include <cstdint>

#include "sgemm_edge.h"

namespace kiln::detail {

template <class T, int kMr, int kNv, bool kStrided>
struct MicroKernel {
  using V = typename T::V;
  static constexpr int kW = T::kWidth;
  static constexpr int kNr = kNv * kW;
  // Cache lines of B one depth step reads (at least one).
  static constexpr int kLines = kNr >= 16 ? kNr / 16 : 1;

  __attribute__((always_inline)) static inline void step(const float* a, int64_t rs, const float* b,
                                                         V (&acc)[kMr][kNv]) {
    V bv[kNv];
#pragma GCC unroll 4
    for (int v = 0; v < kNv; ++v) bv[v] = T::load(b + v * kW);
#pragma GCC unroll 24
    for (int r = 0; r < kMr; ++r) {
      const V av = T::broadcast(a + (kStrided ? r * rs : r));
#pragma GCC unroll 4
      for (int v = 0; v < kNv; ++v) acc[r][v] = T::fma(av, bv[v], acc[r][v]);
    }
  }

  static void run(int64_t kc, const float* a, int64_t rs_a, int64_t cs_a, const float* b, float* c, int64_t ldc,
                  float alpha, float beta, int mr, int nr) {
    const int64_t rs = kStrided ? rs_a : 1, cs = kStrided ? cs_a : kMr;
    V acc[kMr][kNv];
#pragma GCC unroll 24
    for (int r = 0; r < kMr; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < kNv; ++v) acc[r][v] = T::zero();
    // C is touched only after the loop: ask for its lines now so the epilogue does not
    // wait on them.
#pragma GCC unroll 24
    for (int r = 0; r < kMr; ++r) {
      T::prefetch(c + r * ldc);
      T::prefetch(c + r * ldc + kNr - 1);
    }

    // One depth step per iteration, not unrolled: unrolled bodies make GCC schedule the
    // next step's B loads early, run out of the 16 ymm registers of AVX2 and spill an
    // accumulator (a store-forward on the FMA chain: ~12% of a 1024^3 product).
    for (int64_t p = 0; p < kc; ++p) {
      // Eight depth steps ahead: the hardware prefetcher alone leaves L2 latency exposed
      // at the start of every panel.
#pragma GCC unroll 4
      for (int l = 0; l < kLines; ++l) T::prefetch(b + 8 * kNr + l * 16);
      step(a, rs, b, acc);
      a += cs;
      b += kNr;
    }

    const V va = T::set1(alpha);
    if (mr == kMr && nr == kNr) {
      // Full tiles store with plain moves: masked stores are microcoded on AMD cores
      // (Zen 3 vmaskmovps: ~20 cycles each, ~15% of a 196-deep 6x16 tile).
      const V vb = T::set1(beta);
#pragma GCC unroll 24
      for (int r = 0; r < kMr; ++r) {
        float* cr = c + r * ldc;
#pragma GCC unroll 4
        for (int v = 0; v < kNv; ++v) {
          V out = T::mul(va, acc[r][v]);
          if (beta != 0.0f) out = T::fma(vb, T::loadu(cr + v * kW), out);
          T::storeu(cr + v * kW, out);
        }
      }
      return;
    }
    alignas(64) float tile[kMr * kNr];
#pragma GCC unroll 24
    for (int r = 0; r < kMr; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < kNv; ++v) T::store(tile + r * kNr + v * kW, T::mul(va, acc[r][v]));
    store_edge(tile, kNr, c, ldc, beta, mr, nr);
  }
};

}  // namespace kiln::detail
