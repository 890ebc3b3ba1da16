// Tile, slice and fill for 4-byte elements: all three come down to copying (or
// repeating) contiguous rows of the innermost dims, which memcpy does at full speed.
#include <algorithm>
#include <cstring>
#include <string>

#include "kiln/errors.h"
#include "kiln/layout.h"
#include "parallel.h"

namespace kiln {
namespace {

std::string list(const int64_t* v, int n) {
  std::string s = "[";
  for (int i = 0; i < n; ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s + "]";
}

}  // namespace

void tile(const uint32_t* x, const Shape& xs, const int64_t* reps, uint32_t* y) {
  for (int d = 0; d < xs.rank; ++d)
    if (reps[d] < 0) throw ShapeError("tile: reps " + list(reps, xs.rank) + " must be >= 0");
  Shape ys = xs;
  for (int d = 0; d < xs.rank; ++d) ys.dims[d] = xs.dims[d] * reps[d];
  const int64_t n = ys.size();
  if (n == 0) return;
  if (xs.rank == 0) {
    y[0] = x[0];
    return;
  }
  const int last = xs.rank - 1;
  const int64_t in_row = xs.dims[last], out_row = ys.dims[last], rows = n / out_row;
  detail::parallel_items(rows, out_row, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      // Output row r reads input row (index of r in ys) mod xs, dim by dim.
      int64_t rem = r, src = 0, stride = in_row;
      for (int d = last - 1; d >= 0; --d) {
        src += ((rem % ys.dims[d]) % xs.dims[d]) * stride;
        rem /= ys.dims[d];
        stride *= xs.dims[d];
      }
      uint32_t* out = y + r * out_row;
      if (in_row == 1) {
        std::fill(out, out + out_row, x[src]);
      } else {
        for (int64_t k = 0; k < reps[last]; ++k)
          std::memcpy(out + k * in_row, x + src, static_cast<size_t>(in_row) * 4);
      }
    }
  });
}

Shape slice_shape(const Shape& xs, const int64_t* begin, const int64_t* size) {
  Shape ys = xs;
  for (int d = 0; d < xs.rank; ++d) {
    const int64_t b = begin[d], s = size[d] == -1 ? xs.dims[d] - begin[d] : size[d];
    if (b < 0 || s < 0 || b + s > xs.dims[d])
      throw ShapeError("slice: begin " + list(begin, xs.rank) + " and size " + list(size, xs.rank) +
                       " do not fit x " + xs.str() + " (dim " + std::to_string(d) + ")");
    ys.dims[d] = s;
  }
  return ys;
}

void slice(const uint32_t* x, const Shape& xs, const int64_t* begin, const int64_t* size, uint32_t* y) {
  const Shape ys = slice_shape(xs, begin, size);
  const int64_t n = ys.size();
  if (n == 0) return;
  if (xs.rank == 0) {
    y[0] = x[0];
    return;
  }
  // Fold trailing dims that are taken whole into their predecessor: longer rows.
  int r = xs.rank;
  int64_t xd[kMaxRank], yd[kMaxRank], bd[kMaxRank];
  for (int d = 0; d < r; ++d) {
    xd[d] = xs.dims[d];
    yd[d] = ys.dims[d];
    bd[d] = begin[d];
  }
  while (r > 1 && yd[r - 1] == xd[r - 1]) {
    xd[r - 2] *= xd[r - 1];
    yd[r - 2] *= xd[r - 1];
    bd[r - 2] *= xd[r - 1];
    --r;
  }
  const int last = r - 1;
  const int64_t row = yd[last], rows = n / row;
  detail::parallel_items(rows, row, [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0; i < r1; ++i) {
      int64_t rem = i, src = bd[last], stride = xd[last];
      for (int d = last - 1; d >= 0; --d) {
        src += (rem % yd[d] + bd[d]) * stride;
        rem /= yd[d];
        stride *= xd[d];
      }
      std::memcpy(y + i * row, x + src, static_cast<size_t>(row) * 4);
    }
  });
}

void fill(uint32_t* y, int64_t n, uint32_t value) {
  detail::parallel_items(n, 1, [&](int64_t b, int64_t e) { std::fill(y + b, y + e, value); });
}

}  // namespace kiln
