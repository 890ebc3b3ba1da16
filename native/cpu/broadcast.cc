#include "broadcast.h"

#include <string>

#include "kiln/errors.h"

namespace kiln::detail {

BroadcastPlan plan_broadcast(const Shape& as, const Shape& bs, const Shape& ys, const char* fn) {
  const int r = ys.rank;
  const int want_rank = as.rank > bs.rank ? as.rank : bs.rank;
  auto mismatch = [&](const std::string& why) {
    return ShapeError(std::string(fn) + ": a " + as.str() + " and b " + bs.str() + " " + why);
  };
  if (r != want_rank)
    throw mismatch("broadcast to rank " + std::to_string(want_rank) + ", but y is " + ys.str());

  // Right-aligned dims of a, b and y, minus the size-1 output dims.
  int64_t dims[kMaxRank];
  bool a_full[kMaxRank], b_full[kMaxRank];
  int n = 0;
  for (int i = 0; i < r; ++i) {
    const int ia = i - (r - as.rank), ib = i - (r - bs.rank);
    const int64_t ad = ia >= 0 ? as.dims[ia] : 1, bd = ib >= 0 ? bs.dims[ib] : 1, yd = ys.dims[i];
    if (ad != bd && ad != 1 && bd != 1) throw mismatch("do not broadcast (dim " + std::to_string(i) + ")");
    const int64_t want = ad == 1 ? bd : ad;
    if (yd != want) throw mismatch("broadcast to dim " + std::to_string(i) + " = " + std::to_string(want) +
                                   ", but y is " + ys.str());
    if (yd == 1) continue;
    const bool af = ad == yd, bf = bd == yd;
    if (n > 0 && a_full[n - 1] == af && b_full[n - 1] == bf) {
      dims[n - 1] *= yd;
    } else {
      dims[n] = yd;
      a_full[n] = af;
      b_full[n] = bf;
      ++n;
    }
  }

  BroadcastPlan p;
  p.size = ys.size();
  if (n == 0 || p.size == 0) return p;  // one element (or none): a flat run
  p.rank = n;
  int64_t sa = 1, sb = 1;
  for (int d = n - 1; d >= 0; --d) {
    p.dims[d] = dims[d];
    p.a_stride[d] = a_full[d] ? sa : 0;
    p.b_stride[d] = b_full[d] ? sb : 0;
    if (a_full[d]) sa *= dims[d];
    if (b_full[d]) sb *= dims[d];
  }
  // Both operands broadcast along a dim would make that output dim 1, which was dropped.
  p.kind = !a_full[n - 1] ? kScalarVec : !b_full[n - 1] ? kVecScalar : kVecVec;
  return p;
}

}  // namespace kiln::detail
