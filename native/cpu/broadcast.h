// numpy/tfjs broadcasting for the binary, compare and logical kernels. A plan drops
// size-1 output dims and merges neighbours that broadcast alike, so [64,1,32] + [32]
// becomes a [64,32] row broadcast and equal shapes become one flat run; the walk then
// hands contiguous runs of the innermost dim to a vector kernel.
#pragma once
#include <cstdint>

#include "kiln/shape.h"

namespace kiln::detail {

/// How the innermost run reads its operands.
enum BroadcastKind : int {
  kVecVec = 0,     // a[i] op b[i]
  kScalarVec = 1,  // a[0] op b[i]
  kVecScalar = 2,  // a[i] op b[0]
};

struct BroadcastPlan {
  int rank = 1;
  int64_t dims[kMaxRank] = {1};
  int64_t a_stride[kMaxRank] = {1};  // 0 where a is broadcast
  int64_t b_stride[kMaxRank] = {1};
  int64_t size = 1;
  BroadcastKind kind = kVecVec;
};

/// Checks that ys is the broadcast shape of as and bs (ShapeError naming fn otherwise)
/// and builds the collapsed plan.
BroadcastPlan plan_broadcast(const Shape& as, const Shape& bs, const Shape& ys, const char* fn);

/// Calls f(a_offset, b_offset, y_offset, n) for each innermost run in [begin, end).
template <class F>
void walk_broadcast(const BroadcastPlan& p, int64_t begin, int64_t end, F&& f) {
  const int last = p.rank - 1;
  int64_t idx[kMaxRank];
  int64_t rem = begin, ao = 0, bo = 0;
  for (int d = last; d >= 0; --d) {
    idx[d] = rem % p.dims[d];
    rem /= p.dims[d];
    ao += idx[d] * p.a_stride[d];
    bo += idx[d] * p.b_stride[d];
  }
  int64_t yo = begin;
  const int64_t inner = p.dims[last];
  while (yo < end) {
    const int64_t n = inner - idx[last] < end - yo ? inner - idx[last] : end - yo;
    f(ao, bo, yo, n);
    yo += n;
    if (yo >= end) break;
    ao += n * p.a_stride[last];
    bo += n * p.b_stride[last];
    idx[last] += n;
    for (int d = last; d > 0 && idx[d] == p.dims[d]; --d) {
      idx[d] = 0;
      ao -= p.dims[d] * p.a_stride[d];
      bo -= p.dims[d] * p.b_stride[d];
      ++idx[d - 1];
      ao += p.a_stride[d - 1];
      bo += p.b_stride[d - 1];
    }
  }
}

}  // namespace kiln::detail
