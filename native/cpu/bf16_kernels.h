// The bf16 kernels, written once over a vector type (like sgemm_microkernel.h): the
// AVX512-BF16 file instantiates them with vdpbf16ps, the scalar file with plain lanes,
// so the packing, pairing, edge and epilogue logic tested on this core is what an
// AVX512-BF16 core runs. Depth runs in pairs: a B panel holds, for pair q and column j,
// the two bf16 B(2q, j), B(2q+1, j) side by side (one 32-bit lane); an A panel holds
// A(r, 2q), A(r, 2q+1) as one 32-bit word that is broadcast. An odd depth is padded with
// a zero pair half, columns and rows beyond the matrix with zeros.
#pragma once
#include <cstdint>
#include <cstring>

#include "collective_convert.h"

namespace kiln::detail {

/// fp32 -> bf16 by integer rounding to nearest even (collective_convert.h's, which the
/// bf16 wire format uses too; bit-identical on every ISA: the file including this picks
/// the vector width the compiler uses).
inline void f32_to_bf16_loop(const float* src, uint16_t* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = to_bfloat(src[i]);
}

inline void bf16_to_f32_loop(const uint16_t* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = from_bfloat(src[i]);
}

/// Packs W columns (or rows of op(A) for an A panel: same layout) into pairs:
/// dst[(q * W + j) * 2 + t] = X(2q + t, j) for q < ceil(kc / 2), j < W; X(p, j) is
/// src[p * ld + j] (lanes contiguous) or src[j * ld + p] (transposed: depth contiguous).
template <int W>
void pack_pairs(const uint16_t* src, int64_t ld, bool transposed, int valid, int64_t kc, uint16_t* dst) {
  const int64_t pairs = (kc + 1) / 2;
  for (int64_t q = 0; q < pairs; ++q) {
    uint16_t* d = dst + q * W * 2;
    for (int t = 0; t < 2; ++t) {
      const int64_t p = 2 * q + t;
      for (int j = 0; j < W; ++j) {
        const bool in = p < kc && j < valid;
        d[j * 2 + t] = in ? (transposed ? src[j * ld + p] : src[p * ld + j]) : uint16_t(0);
      }
    }
  }
}

/// One kMr x (kNv * T::kWidth) tile: acc[r][j] = sum_q dot2(A pair (r, q), B pair (q, j)),
/// then C = alpha * acc + beta * C (beta == 0: C not read) for r < mr, j < nr.
template <class T, int kMr, int kNv>
struct PairKernel {
  static constexpr int kNr = kNv * T::kWidth;
  using V = typename T::V;

  static void run(int64_t pairs, const uint16_t* a, const uint16_t* b, float* c, int64_t ldc, float alpha, float beta,
                  int mr, int nr) {
    V acc[kMr][kNv];
    for (int r = 0; r < kMr; ++r)
      for (int v = 0; v < kNv; ++v) acc[r][v] = T::zero();
    for (int64_t q = 0; q < pairs; ++q) {
      typename T::Pairs bv[kNv];
      for (int v = 0; v < kNv; ++v) bv[v] = T::load_pairs(b + v * T::kWidth * 2);
      for (int r = 0; r < kMr; ++r) {
        uint32_t word;
        std::memcpy(&word, a + r * 2, 4);
        const typename T::Pairs av = T::broadcast_pair(word);
        for (int v = 0; v < kNv; ++v) acc[r][v] = T::dot2(acc[r][v], av, bv[v]);
      }
      a += kMr * 2;
      b += kNr * 2;
    }
    alignas(64) float tile[kMr][kNr];
    for (int r = 0; r < kMr; ++r)
      for (int v = 0; v < kNv; ++v) T::store(&tile[r][v * T::kWidth], acc[r][v]);
    for (int r = 0; r < mr; ++r) {
      float* cr = c + r * ldc;
      for (int j = 0; j < nr; ++j) cr[j] = beta == 0.0f ? alpha * tile[r][j] : alpha * tile[r][j] + beta * cr[j];
    }
  }
};

using PairMicroKernel = void (*)(int64_t pairs, const uint16_t* a, const uint16_t* b, float* c, int64_t ldc,
                                 float alpha, float beta, int mr, int nr);
using PairPack = void (*)(const uint16_t* src, int64_t ld, bool transposed, int valid, int64_t kc, uint16_t* dst);

struct Bf16Kernel {
  int mr, nr;
  PairMicroKernel kernel;
  PairPack pack_a;  // W = mr
  PairPack pack_b;  // W = nr
  const char* name;
};

const Bf16Kernel& bf16_kernel_scalar();
const Bf16Kernel& bf16_kernel_avx512bf16();

/// Conversions per ISA (the same loop compiled for each).
void f32_to_bf16_avx2(const float* src, uint16_t* dst, int64_t n);
void bf16_to_f32_avx2(const uint16_t* src, float* dst, int64_t n);

}  // namespace kiln::detail
