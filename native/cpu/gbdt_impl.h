// Internals of the gbdt kernels shared by the binning, tree and booster files.
#pragma once
#include <cstdint>
#include <vector>

#include "kiln/gbdt.h"

namespace kiln::gbdt {

/// Features as bin indices, column-major (one feature's bins are contiguous, which is
/// how histograms read them). Feature f has nbins[f] value bins; bin nbins[f] is missing.
class BinnedData {
 public:
  int64_t rows = 0, cols = 0;
  std::vector<uint8_t> bins;
  std::vector<int> nbins;
  /// Per feature, nbins[f] - 1 ascending thresholds: value bin b holds
  /// thresholds[b - 1] < v <= thresholds[b].
  std::vector<std::vector<float>> thresholds;

  const uint8_t* column(int64_t f) const { return bins.data() + f * rows; }
  /// The raw threshold of a split after bin b of feature f (+inf for the last value bin).
  float threshold(int64_t f, int b) const;
  /// The bin whose split threshold is t (the inverse of threshold(), for replayed trees).
  int bin_of_threshold(int64_t f, float t) const;
};

/// Chooses each feature's bins from (a seeded sample of) x and bins x; threaded over features.
BinnedData bin_train(const float* x, int64_t rows, int64_t cols, int max_bins, uint32_t seed);
/// Bins x with the bins of `ref` (validation rows).
BinnedData bin_like(const BinnedData& ref, const float* x, int64_t rows);

/// One grown tree: the public node arrays plus, per split node, its bin.
struct Tree {
  Model nodes;  // feature, threshold, left, right, missing_left, value; roots/base_score unused
  std::vector<int32_t> bin;
};

/// Grows one tree leaf-wise on rows `idx` (reordered in place), with gradients g and
/// hessians h (indexed by row), using only `features`.
Tree grow_tree(const BinnedData& d, const float* g, const float* h, std::vector<int32_t>& idx,
               const std::vector<int32_t>& features, const Params& p);

/// The leaf value tree `t` gives row r of d (walking bins).
float walk_bins(const Tree& t, const BinnedData& d, int64_t r);

/// A small seeded generator (splitmix64) for row and column sampling.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, n).
  int64_t below(int64_t n) { return int64_t(next() % uint64_t(n)); }

 private:
  uint64_t s_;
};

/// `k` distinct values of [0, n) in ascending order (all of them when k >= n).
std::vector<int32_t> sample_sorted(int64_t n, int64_t k, Rng& rng);

}  // namespace kiln::gbdt
