// GatherV2 (batchDims 0) and OneHot: index-driven copies. Indices are all checked before
// the first write, so a bad index leaves y untouched.
#include <algorithm>
#include <cstring>
#include <string>

#include "kiln/errors.h"
#include "kiln/layout.h"
#include "parallel.h"

namespace kiln {

void gather(const uint32_t* x, int64_t outer, int64_t axis_size, int64_t inner, const int32_t* indices,
            int64_t n_indices, uint32_t* y) {
  for (int64_t i = 0; i < n_indices; ++i)
    if (indices[i] < 0 || indices[i] >= axis_size)
      throw ShapeError("gather: indices[" + std::to_string(i) + "] = " + std::to_string(indices[i]) +
                       " is not in [0, " + std::to_string(axis_size) + ")");
  const int64_t rows = outer * n_indices;
  if (rows == 0 || inner == 0) return;
  if (inner == 1) {
    detail::parallel_items(rows, 1, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) y[r] = x[(r / n_indices) * axis_size + indices[r % n_indices]];
    });
    return;
  }
  detail::parallel_items(rows, inner, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t o = r / n_indices, src = (o * axis_size + indices[r % n_indices]) * inner;
      std::memcpy(y + r * inner, x + src, static_cast<size_t>(inner) * 4);
    }
  });
}

void one_hot(const int32_t* indices, int64_t n, int64_t depth, float on, float off, float* y) {
  detail::parallel_items(n, depth, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      float* row = y + r * depth;
      std::fill(row, row + depth, off);
      if (indices[r] >= 0 && indices[r] < depth) row[indices[r]] = on;
    }
  });
}

}  // namespace kiln
