// gbdt parameters, model checks and batched prediction. A model read from a file is
// untrusted: check_model proves every walk ends inside the node arrays before predict runs.
#include <cmath>
#include <string>

#include "gbdt_impl.h"
#include "kiln/errors.h"
#include "kiln/thread_pool.h"

namespace kiln::gbdt {
namespace {

const char* const kParamNames[kParamCount] = {
    "objective", "numClasses", "learningRate",        "maxLeaves", "maxDepth", "minSamplesLeaf", "l2",
    "maxBins",   "rowSubsample", "colSubsample", "earlyStoppingRounds", "tolerance", "seed"};

double in_range(const double* v, int i, double lo, double hi, bool integer) {
  const double x = v[i];
  if (!(x >= lo && x <= hi) || (integer && std::floor(x) != x))
    throw ShapeError(std::string("gbdt: params.") + kParamNames[i] + " must be " + (integer ? "an integer" : "a number") +
                     " in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + std::to_string(x));
  return x;
}

}  // namespace

Params params_from(const double* v) {
  Params p;
  p.objective = Objective(int(in_range(v, 0, 0, 2, true)));
  p.num_classes = int(in_range(v, 1, 1, 1 << 16, true));
  if ((p.objective == Objective::kMulticlass) != (p.num_classes >= 3) ||
      (p.objective != Objective::kMulticlass && p.num_classes != 1))
    throw ShapeError("gbdt: params.numClasses must be >= 3 for multiclass and 1 otherwise, got " +
                     std::to_string(p.num_classes));
  p.learning_rate = in_range(v, 2, 1e-6, 1e3, false);
  p.max_leaves = int(in_range(v, 3, 2, 1 << 16, true));
  p.max_depth = int(in_range(v, 4, 0, 1 << 10, true));
  p.min_samples_leaf = int(in_range(v, 5, 1, 1 << 30, true));
  p.l2 = in_range(v, 6, 0, 1e12, false);
  p.max_bins = int(in_range(v, 7, 2, kMaxBins, true));
  p.row_subsample = in_range(v, 8, 1e-6, 1, false);
  p.col_subsample = in_range(v, 9, 1e-6, 1, false);
  p.early_stopping_rounds = int(in_range(v, 10, 0, 1 << 30, true));
  p.tolerance = in_range(v, 11, 0, 1e12, false);
  p.seed = uint32_t(in_range(v, 12, 0, 4294967295.0, true));
  return p;
}

ModelView view(const Model& m) {
  return {m.feature.data(), m.threshold.data(),    m.left.data(),          m.right.data(), m.missing_left.data(),
          m.value.data(),   int64_t(m.feature.size()), m.roots.data(), int64_t(m.roots.size())};
}

void check_model(const ModelView& m, int64_t cols, const char* fn) {
  const std::string where = std::string(fn) + ": ";
  for (int64_t t = 0; t < m.trees; ++t)
    if (m.roots[t] < 0 || m.roots[t] >= m.nodes)
      throw ShapeError(where + "tree " + std::to_string(t) + " starts at node " + std::to_string(m.roots[t]) +
                       ", outside the " + std::to_string(m.nodes) + " nodes");
  for (int64_t i = 0; i < m.nodes; ++i) {
    const int32_t f = m.feature[i];
    if (f < 0) continue;
    if (f >= cols)
      throw ShapeError(where + "node " + std::to_string(i) + " splits on feature " + std::to_string(f) + " of " +
                       std::to_string(cols));
    // Children after their parent: every walk moves forward, so it ends inside the arrays.
    if (m.left[i] <= i || m.left[i] >= m.nodes || m.right[i] <= i || m.right[i] >= m.nodes)
      throw ShapeError(where + "node " + std::to_string(i) + " has children " + std::to_string(m.left[i]) + ", " +
                       std::to_string(m.right[i]) + "; expected nodes after it and before " + std::to_string(m.nodes));
  }
}

void predict(const ModelView& m, int outputs, const float* x, int64_t rows, int64_t cols, float* out) {
  parallel_for(rows, 64, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const float* row = x + r * cols;
      float* o = out + r * outputs;
      for (int64_t t = 0; t < m.trees; ++t) {
        int64_t node = m.roots[t];
        while (m.feature[node] >= 0) {
          const float v = row[m.feature[node]];
          const bool left = v != v ? m.missing_left[node] != 0 : v <= m.threshold[node];
          node = left ? m.left[node] : m.right[node];
        }
        o[t % outputs] += m.value[node];
      }
    }
  });
}

}  // namespace kiln::gbdt
