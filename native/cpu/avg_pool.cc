// AvgPool and AvgPoolGrad (NHWC). Each window averages over its in-bounds elements only
// (TensorFlow's rule for padded windows), and the gradient spreads dy by the same count,
// so the two are exact adjoints. The loop nests live in pool_kernels.h.
#include "kiln/pool.h"
#include "pool_kernels.h"

namespace kiln {

void avg_pool(const PoolGeometry& g, const float* x, float* y) {
  check_pool_geometry(g, "AvgPool");
  detail::pool_rows(g, x, y, false);
}

void avg_pool_grad(const PoolGeometry& g, const float* dy, float* dx) {
  check_pool_geometry(g, "AvgPoolGrad");
  detail::pool_grad(g, dy, nullptr, dx);
}

}  // namespace kiln
