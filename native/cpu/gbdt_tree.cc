// Growing one gbdt tree leaf-wise: per-leaf gradient histograms (one pass over the
// leaf's rows per feature, threaded over features), the best split of each leaf from its
// histogram (missing values tried on both sides), and the leaf with the largest gain split
// next. Only the smaller child's histogram is built; the larger one is the parent's minus
// it, computed in place.
#include <algorithm>
#include <cmath>

#include "gbdt_impl.h"
#include "kiln/errors.h"
#include "kiln/thread_pool.h"

namespace kiln::gbdt {
namespace {

// A split must leave at least this much hessian on each side (scikit-learn's default).
constexpr double kMinHessian = 1e-3;
// Below this many (row, feature) pairs a histogram is built on the calling thread.
constexpr int64_t kParallelWork = 1 << 15;

struct HistBin {
  double g, h;
  int64_t n;
};

struct Split {
  double gain = 0;  // <= 0: no split
  int feature = -1, bin = 0;
  bool missing_left = false;
  double gl = 0, hl = 0;
  int64_t nl = 0;
};

struct Leaf {
  int node;
  int64_t begin, end;
  double g, h;
  int depth;
  std::vector<HistBin> hist;
  Split split;
  int64_t count() const { return end - begin; }
};

struct Grower {
  const BinnedData& d;
  const float* g;
  const float* h;
  std::vector<int32_t>& idx;
  const std::vector<int32_t>& features;
  const Params& p;
  std::vector<int64_t> offset;  // per feature: where its bins start in a histogram
  int64_t hist_size = 0;
  std::vector<float> og, oh;    // gradients of one leaf's rows, in idx order

  Grower(const BinnedData& d, const float* g, const float* h, std::vector<int32_t>& idx,
         const std::vector<int32_t>& features, const Params& p)
      : d(d), g(g), h(h), idx(idx), features(features), p(p), offset(size_t(d.cols), 0) {
    for (int32_t f : features) {
      offset[size_t(f)] = hist_size;
      hist_size += d.nbins[size_t(f)] + 1;
    }
  }

  std::vector<HistBin> build(const Leaf& leaf) {
    std::vector<HistBin> hist(size_t(hist_size), HistBin{0, 0, 0});
    const int64_t n = leaf.count();
    og.resize(size_t(n));
    oh.resize(size_t(n));
    const int32_t* rows = idx.data() + leaf.begin;
    for (int64_t i = 0; i < n; ++i) {
      og[size_t(i)] = g[rows[i]];
      oh[size_t(i)] = h[rows[i]];
    }
    auto one = [&](int64_t k) {
      const int32_t f = features[size_t(k)];
      const uint8_t* col = d.column(f);
      HistBin* hf = hist.data() + offset[size_t(f)];
      for (int64_t i = 0; i < n; ++i) {
        HistBin& b = hf[col[rows[i]]];
        b.g += og[size_t(i)];
        b.h += oh[size_t(i)];
        ++b.n;
      }
    };
    const int64_t nf = int64_t(features.size());
    if (n * nf < kParallelWork) {
      for (int64_t k = 0; k < nf; ++k) one(k);
    } else {
      ThreadPool::instance().run(nf, one);
    }
    return hist;
  }

  double score(double gs, double hs) const { return gs * gs / (hs + p.l2); }

  Split best(const Leaf& leaf) const {
    Split best;
    const int64_t n = leaf.count();
    if (n < 2 * int64_t(p.min_samples_leaf) || (p.max_depth > 0 && leaf.depth >= p.max_depth)) return best;
    const double parent = score(leaf.g, leaf.h);
    for (int32_t f : features) {
      const HistBin* hf = leaf.hist.data() + offset[size_t(f)];
      const int nb = d.nbins[size_t(f)];
      const HistBin& miss = hf[nb];
      for (int dir = 0; dir < (miss.n > 0 ? 2 : 1); ++dir) {
        const bool missing_left = miss.n > 0 && dir == 1;
        double gl = missing_left ? miss.g : 0, hl = missing_left ? miss.h : 0;
        int64_t nl = missing_left ? miss.n : 0;
        // b == nb - 1 puts every value left: a split only when the missing rows go right.
        const int last = miss.n > 0 && !missing_left ? nb - 1 : nb - 2;
        for (int b = 0; b <= last; ++b) {
          gl += hf[b].g;
          hl += hf[b].h;
          nl += hf[b].n;
          const int64_t nr = n - nl;
          if (nl < p.min_samples_leaf) continue;
          if (nr < p.min_samples_leaf) break;
          const double hr = leaf.h - hl;
          if (hl < kMinHessian || hr < kMinHessian) continue;
          const double gain = score(gl, hl) + score(leaf.g - gl, hr) - parent;
          if (gain > best.gain) best = Split{gain, f, b, missing_left || (miss.n == 0 && nl >= nr), gl, hl, nl};
        }
      }
    }
    return best;
  }

  int add_node(Tree& t) {
    Model& m = t.nodes;
    m.feature.push_back(-1);
    m.threshold.push_back(0);
    m.left.push_back(-1);
    m.right.push_back(-1);
    m.missing_left.push_back(0);
    m.value.push_back(0);
    t.bin.push_back(0);
    return int(m.feature.size()) - 1;
  }

  // Splits `leaf` into two new leaves (rows partitioned, histograms built or subtracted).
  void split(Tree& t, Leaf& leaf, Leaf* out) {
    const Split& s = leaf.split;
    Model& m = t.nodes;
    const int node = leaf.node;
    m.feature[size_t(node)] = s.feature;
    m.threshold[size_t(node)] = d.threshold(s.feature, s.bin);
    m.missing_left[size_t(node)] = s.missing_left;
    t.bin[size_t(node)] = s.bin;
    const uint8_t* col = d.column(s.feature);
    const int missing = d.nbins[size_t(s.feature)];
    auto goes_left = [&](int32_t r) { return col[r] == missing ? s.missing_left : col[r] <= s.bin; };
    int32_t* first = idx.data() + leaf.begin;
    int32_t* mid = std::stable_partition(first, idx.data() + leaf.end, goes_left);
    const int64_t cut = leaf.begin + (mid - first);
    if (cut - leaf.begin != s.nl) throw NativeError("INTERNAL", "gbdt", "cpu", "gbdt: a split's row count changed");
    const int left = add_node(t), right = add_node(t);
    m.left[size_t(node)] = left;
    m.right[size_t(node)] = right;
    out[0] = Leaf{left, leaf.begin, cut, s.gl, s.hl, leaf.depth + 1, {}, {}};
    out[1] = Leaf{right, cut, leaf.end, leaf.g - s.gl, leaf.h - s.hl, leaf.depth + 1, {}, {}};
    Leaf& small = out[0].count() <= out[1].count() ? out[0] : out[1];
    Leaf& large = &small == &out[0] ? out[1] : out[0];
    small.hist = build(small);
    large.hist = std::move(leaf.hist);
    for (size_t i = 0; i < large.hist.size(); ++i) {
      large.hist[i].g -= small.hist[i].g;
      large.hist[i].h -= small.hist[i].h;
      large.hist[i].n -= small.hist[i].n;
    }
  }
};

}  // namespace

Tree grow_tree(const BinnedData& d, const float* g, const float* h, std::vector<int32_t>& idx,
               const std::vector<int32_t>& features, const Params& p) {
  Grower gr(d, g, h, idx, features, p);
  Tree t;
  Leaf root{gr.add_node(t), 0, int64_t(idx.size()), 0, 0, 0, {}, {}};
  for (int32_t r : idx) {
    root.g += g[r];
    root.h += h[r];
  }
  root.hist = gr.build(root);
  root.split = gr.best(root);
  std::vector<Leaf> leaves;
  leaves.push_back(std::move(root));
  while (int(leaves.size()) < p.max_leaves) {
    size_t pick = leaves.size();
    for (size_t i = 0; i < leaves.size(); ++i)
      if (leaves[i].split.gain > 0 && (pick == leaves.size() || leaves[i].split.gain > leaves[pick].split.gain))
        pick = i;
    if (pick == leaves.size()) break;
    Leaf children[2];
    gr.split(t, leaves[pick], children);
    leaves.erase(leaves.begin() + std::ptrdiff_t(pick));
    for (Leaf& c : children) {
      c.split = gr.best(c);
      if (c.split.gain <= 0) c.hist = {};  // a leaf for good: its histogram is not needed
      leaves.push_back(std::move(c));
    }
  }
  for (const Leaf& leaf : leaves)
    t.nodes.value[size_t(leaf.node)] = float(-p.learning_rate * leaf.g / (leaf.h + p.l2));
  return t;
}

float walk_bins(const Tree& t, const BinnedData& d, int64_t r) {
  const Model& m = t.nodes;
  int node = 0;
  while (m.feature[size_t(node)] >= 0) {
    const int f = m.feature[size_t(node)];
    const uint8_t b = d.column(f)[r];
    const bool left = b == d.nbins[size_t(f)] ? m.missing_left[size_t(node)] != 0 : b <= t.bin[size_t(node)];
    node = left ? m.left[size_t(node)] : m.right[size_t(node)];
  }
  return m.value[size_t(node)];
}

}  // namespace kiln::gbdt
