// Transpose of 4-byte elements. The permutation is first simplified (size-1 dims
// dropped, axes that stay neighbours merged), so most tfjs transposes become either
// row copies (the last axis stays last) or a batch of 2-D transposes, which run in
// kBlock x kBlock tiles: both the reads and the writes of a tile then stay within a few
// cache lines instead of striding through memory (AVX2 machines transpose 8 x 8 blocks
// in registers, transpose_avx2.cc).
#include <algorithm>
#include <cstring>
#include <string>

#include "kiln/cpu_features.h"
#include "kiln/errors.h"
#include "kiln/layout.h"
#include "parallel.h"
#include "transpose_kernels.h"

namespace kiln {
namespace {

constexpr int64_t kBlock = 16;

struct Plan {
  int rank = 0;
  int64_t out_dims[kMaxRank];  // y's (simplified) dims
  int64_t in_stride[kMaxRank];  // stride in x of a step along each y dim
};

Plan simplify(const Shape& xs, const int64_t* perm) {
  // Drop size-1 dims, renumbering the remaining x axes.
  int64_t dims[kMaxRank], p[kMaxRank], renum[kMaxRank];
  int r = 0;
  for (int a = 0; a < xs.rank; ++a) {
    renum[a] = xs.dims[a] == 1 ? -1 : r;
    if (xs.dims[a] != 1) dims[r++] = xs.dims[a];
  }
  int pr = 0;
  for (int d = 0; d < xs.rank; ++d)
    if (renum[perm[d]] >= 0) p[pr++] = renum[perm[d]];
  // Merge runs of y dims that read consecutive x axes.
  int64_t group_of[kMaxRank] = {};  // x axis -> merged group (in x order)
  bool starts[kMaxRank] = {};
  for (int d = 0; d < pr; ++d) starts[p[d]] = d == 0 || p[d] != p[d - 1] + 1;
  int64_t gdims[kMaxRank] = {};
  int g = -1;
  for (int a = 0; a < r; ++a) {
    if (a == 0 || starts[a]) gdims[++g] = 1;
    gdims[g] *= dims[a];
    group_of[a] = g;
  }
  const int groups = g + 1;
  int64_t gstride[kMaxRank] = {};
  int64_t s = 1;
  for (int k = groups - 1; k >= 0; --k) {
    gstride[k] = s;
    s *= gdims[k];
  }
  Plan plan;
  for (int d = 0; d < pr; ++d) {
    if (d > 0 && !starts[p[d]]) continue;
    const int64_t k = group_of[p[d]];
    plan.out_dims[plan.rank] = gdims[k];
    plan.in_stride[plan.rank] = gstride[k];
    ++plan.rank;
  }
  return plan;
}

}  // namespace

namespace detail {

void transpose_2d_scalar(const uint32_t* x, int64_t ldx, uint32_t* y, int64_t ldy, int64_t ni, int64_t nj) {
  for (int64_t j0 = 0; j0 < nj; j0 += kBlock) {
    const int64_t j1 = std::min(nj, j0 + kBlock);
    for (int64_t i0 = 0; i0 < ni; i0 += kBlock) {
      const int64_t i1 = std::min(ni, i0 + kBlock);
      for (int64_t j = j0; j < j1; ++j)
        for (int64_t i = i0; i < i1; ++i) y[j * ldy + i] = x[i * ldx + j];
    }
  }
}

}  // namespace detail

void transpose(const uint32_t* x, const Shape& xs, const int64_t* perm, uint32_t* y) {
  bool seen[kMaxRank] = {};
  for (int d = 0; d < xs.rank; ++d) {
    if (perm[d] < 0 || perm[d] >= xs.rank || seen[perm[d]]) {
      std::string p = "[";
      for (int i = 0; i < xs.rank; ++i) p += (i ? "," : "") + std::to_string(perm[i]);
      throw ShapeError("transpose: perm " + p + "] is not a permutation of the " + std::to_string(xs.rank) +
                       " dims of x " + xs.str());
    }
    seen[perm[d]] = true;
  }
  const int64_t n = xs.size();
  if (n == 0) return;
  const Plan p = simplify(xs, perm);
  if (p.rank <= 1) {
    std::memcpy(y, x, static_cast<size_t>(n) * 4);
    return;
  }
  const int last = p.rank - 1;
  if (p.in_stride[last] == 1) {
    // The innermost axis stays innermost: copy rows.
    const int64_t row = p.out_dims[last], rows = n / row;
    detail::parallel_items(rows, row, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        int64_t rem = r, src = 0;
        for (int d = last - 1; d >= 0; --d) {
          src += (rem % p.out_dims[d]) * p.in_stride[d];
          rem /= p.out_dims[d];
        }
        std::memcpy(y + r * row, x + src, static_cast<size_t>(row) * 4);
      }
    });
    return;
  }
  // x's innermost axis sits at y dim q; tile (q, last) as a 2-D transpose per outer index.
  int q = 0;
  while (p.in_stride[q] != 1) ++q;
  int64_t out_stride[kMaxRank];
  int64_t s = 1;
  for (int d = last; d >= 0; --d) {
    out_stride[d] = s;
    s *= p.out_dims[d];
  }
  const auto kernel = simd_level() >= SimdLevel::kAvx2 ? detail::transpose_2d_avx2 : detail::transpose_2d_scalar;
  const int64_t ni = p.out_dims[last], nj = p.out_dims[q];
  const int64_t blocks_j = (nj + kBlock - 1) / kBlock;
  const int64_t outer = n / (ni * nj);
  // Work items: (outer index, block of j) so a single big 2-D transpose still threads.
  detail::parallel_items(outer * blocks_j, ni * kBlock, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      int64_t rem = t / blocks_j, xo = 0, yo = 0;
      for (int d = last - 1; d >= 0; --d) {
        if (d == q) continue;
        const int64_t i = rem % p.out_dims[d];
        rem /= p.out_dims[d];
        xo += i * p.in_stride[d];
        yo += i * out_stride[d];
      }
      const int64_t j0 = (t % blocks_j) * kBlock;
      kernel(x + xo + j0, p.in_stride[last], y + yo + j0 * out_stride[q], out_stride[q], ni,
                   std::min(kBlock, nj - j0));
    }
  });
}

}  // namespace kiln
