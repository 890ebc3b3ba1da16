// gbdt binning: each feature's non-missing values are cut into at most max_bins bins at
// quantiles of a seeded sample of the rows (all distinct values, split at midpoints, when
// there are few enough), as scikit-learn's HistGradientBoosting does.
#include <algorithm>
#include <cmath>
#include <limits>

#include "gbdt_impl.h"
#include "kiln/thread_pool.h"

namespace kiln::gbdt {
namespace {

// Rows sampled to choose bins: quantiles of 200k values are as good as of all of them.
constexpr int64_t kBinSample = 200000;

std::vector<float> thresholds_of(std::vector<float>& values, int max_bins) {
  std::sort(values.begin(), values.end());
  std::vector<float> distinct;
  for (float v : values)
    if (distinct.empty() || v != distinct.back()) distinct.push_back(v);
  std::vector<float> t;
  if (int64_t(distinct.size()) <= max_bins) {
    for (size_t i = 1; i < distinct.size(); ++i) {
      // The midpoint, or the lower value when the midpoint rounds up to the upper one.
      float mid = float((double(distinct[i - 1]) + double(distinct[i])) / 2);
      if (!(mid < distinct[i])) mid = distinct[i - 1];
      t.push_back(mid);
    }
    return t;
  }
  const int64_t n = int64_t(values.size());
  for (int j = 1; j < max_bins; ++j) {
    const float q = values[size_t(j * n / max_bins)];
    if ((t.empty() || q > t.back()) && q < distinct.back()) t.push_back(q);
  }
  return t;
}

uint8_t bin_value(const std::vector<float>& t, float v) {
  if (v != v) return uint8_t(t.size() + 1);  // missing: the bin after the last value bin
  return uint8_t(std::lower_bound(t.begin(), t.end(), v) - t.begin());
}

void bin_columns(BinnedData& d, const float* x) {
  d.bins.assign(size_t(d.rows * d.cols), 0);
  ThreadPool::instance().run(d.cols, [&](int64_t f) {
    uint8_t* out = d.bins.data() + f * d.rows;
    const std::vector<float>& t = d.thresholds[size_t(f)];
    for (int64_t r = 0; r < d.rows; ++r) out[r] = bin_value(t, x[r * d.cols + f]);
  });
}

}  // namespace

float BinnedData::threshold(int64_t f, int b) const {
  const std::vector<float>& t = thresholds[size_t(f)];
  return b < int(t.size()) ? t[size_t(b)] : std::numeric_limits<float>::infinity();
}

int BinnedData::bin_of_threshold(int64_t f, float t) const {
  const std::vector<float>& th = thresholds[size_t(f)];
  return int(std::lower_bound(th.begin(), th.end(), t) - th.begin());
}

BinnedData bin_train(const float* x, int64_t rows, int64_t cols, int max_bins, uint32_t seed) {
  BinnedData d;
  d.rows = rows;
  d.cols = cols;
  d.thresholds.resize(size_t(cols));
  d.nbins.resize(size_t(cols));
  Rng rng(uint64_t(seed) * 0x2545f4914f6cdd1dULL + 1);
  const std::vector<int32_t> sample = sample_sorted(rows, kBinSample, rng);
  ThreadPool::instance().run(cols, [&](int64_t f) {
    std::vector<float> values;
    values.reserve(sample.size());
    for (int32_t r : sample) {
      const float v = x[int64_t(r) * cols + f];
      if (v == v) values.push_back(v);
    }
    d.thresholds[size_t(f)] = thresholds_of(values, max_bins);
    d.nbins[size_t(f)] = int(d.thresholds[size_t(f)].size()) + 1;
  });
  bin_columns(d, x);
  return d;
}

BinnedData bin_like(const BinnedData& ref, const float* x, int64_t rows) {
  BinnedData d;
  d.rows = rows;
  d.cols = ref.cols;
  d.thresholds = ref.thresholds;
  d.nbins = ref.nbins;
  bin_columns(d, x);
  return d;
}

std::vector<int32_t> sample_sorted(int64_t n, int64_t k, Rng& rng) {
  std::vector<int32_t> out;
  if (k >= n) {
    out.resize(size_t(n));
    for (int64_t i = 0; i < n; ++i) out[size_t(i)] = int32_t(i);
    return out;
  }
  // Selection sampling (Knuth's algorithm S): one pass, already in order.
  out.reserve(size_t(k));
  for (int64_t i = 0; i < n && int64_t(out.size()) < k; ++i)
    if (rng.below(n - i) < k - int64_t(out.size())) out.push_back(int32_t(i));
  return out;
}

}  // namespace kiln::gbdt
