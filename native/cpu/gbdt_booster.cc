// The gbdt boosting loop: base scores, gradients of the three objectives, row and column
// sampling, one tree per output column per round, train and validation losses, and early
// stopping on the validation loss.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "gbdt_impl.h"
#include "kiln/errors.h"
#include "kiln/thread_pool.h"

namespace kiln::gbdt {
namespace {

constexpr double kEps = 1e-15;

double sigmoid(double s) { return 1 / (1 + std::exp(-s)); }

void check_labels(const float* y, int64_t n, const Params& p, const char* name) {
  const int classes = p.objective == Objective::kMulticlass ? p.num_classes : 2;
  for (int64_t i = 0; i < n; ++i) {
    const float v = y[i];
    const bool ok = p.objective == Objective::kRegression ? std::isfinite(v)
                                                          : v >= 0 && v < float(classes) && std::floor(v) == v;
    if (!ok)
      throw ShapeError(std::string("gbdt: ") + name + "[" + std::to_string(i) + "] = " + std::to_string(v) +
                       (p.objective == Objective::kRegression
                            ? " is not a finite number"
                            : " is not a class index in [0, " + std::to_string(classes) + ")"));
  }
}

std::vector<float> base_scores(const std::vector<float>& y, const Params& p) {
  const int k = p.outputs();
  std::vector<double> sum(size_t(p.objective == Objective::kMulticlass ? k : 1), 0.0);
  for (float v : y) {
    if (p.objective == Objective::kMulticlass) sum[size_t(v)] += 1;
    else sum[0] += v;
  }
  const double n = double(std::max<size_t>(y.size(), 1));
  std::vector<float> base(static_cast<size_t>(k));
  for (int c = 0; c < k; ++c) {
    const double mean = sum[size_t(c)] / n;
    if (p.objective == Objective::kRegression) base[size_t(c)] = float(mean);
    else if (p.objective == Objective::kBinary) {
      const double q = std::clamp(mean, kEps, 1 - kEps);
      base[size_t(c)] = float(std::log(q / (1 - q)));
    } else {
      base[size_t(c)] = float(std::log(std::max(mean, kEps)));
    }
  }
  return base;
}

// Mean loss of raw scores s (rows x k) against y: squared error, log loss or softmax log loss.
double mean_loss(const std::vector<float>& s, const std::vector<float>& y, const Params& p) {
  const int k = p.outputs();
  const int64_t n = int64_t(y.size());
  if (n == 0) return std::numeric_limits<double>::quiet_NaN();
  double total = 0;
  for (int64_t r = 0; r < n; ++r) {
    const float* row = s.data() + r * k;
    if (p.objective == Objective::kRegression) {
      const double e = double(row[0]) - y[size_t(r)];
      total += e * e;
    } else if (p.objective == Objective::kBinary) {
      const double z = row[0];
      total += std::max(z, 0.0) - z * y[size_t(r)] + std::log1p(std::exp(-std::fabs(z)));
    } else {
      double m = row[0];
      for (int c = 1; c < k; ++c) m = std::max(m, double(row[c]));
      double e = 0;
      for (int c = 0; c < k; ++c) e += std::exp(double(row[c]) - m);
      total += m + std::log(e) - row[int(y[size_t(r)])];
    }
  }
  return total / double(n);
}

// Fraction of rows whose best score is their class; NaN for regression or no rows.
double accuracy(const std::vector<float>& s, const std::vector<float>& y, const Params& p) {
  const int64_t n = int64_t(y.size());
  if (p.objective == Objective::kRegression || n == 0) return std::numeric_limits<double>::quiet_NaN();
  const int k = p.outputs();
  int64_t right = 0;
  for (int64_t r = 0; r < n; ++r) {
    const float* row = s.data() + r * k;
    const int best = k == 1 ? int(row[0] > 0) : int(std::max_element(row, row + k) - row);
    right += best == int(y[size_t(r)]);
  }
  return double(right) / double(n);
}

// Gradients and hessians of every row for output column c, from scores s.
void gradients(const std::vector<float>& s, const std::vector<float>& y, const Params& p, int c, float* g, float* h) {
  const int k = p.outputs();
  const int64_t n = int64_t(y.size());
  parallel_for(n, 4096, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const float* row = s.data() + r * k;
      const double t = y[size_t(r)];
      double pr;
      if (p.objective == Objective::kRegression) {
        g[r] = float(row[0] - t);
        h[r] = 1;
        continue;
      } else if (p.objective == Objective::kBinary) {
        pr = sigmoid(row[0]);
      } else {
        double m = row[0];
        for (int j = 1; j < k; ++j) m = std::max(m, double(row[j]));
        double z = 0;
        for (int j = 0; j < k; ++j) z += std::exp(double(row[j]) - m);
        pr = std::exp(double(row[c]) - m) / z;
      }
      const double target = p.objective == Objective::kBinary ? t : double(int(t) == c);
      g[r] = float(pr - target);
      h[r] = float(std::max(pr * (1 - pr), 1e-16));
    }
  });
}

void add_tree_scores(const Tree& t, const BinnedData& d, int k, int c, std::vector<float>& scores) {
  parallel_for(d.rows, 4096, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) scores[size_t(r * k + c)] += walk_bins(t, d, r);
  });
}

}  // namespace

Booster::Booster(const float* x, int64_t rows, int64_t cols, const float* y, const float* valid_x, int64_t valid_rows,
                 const float* valid_y, const Params& params)
    : params_(params), rows_(rows), cols_(cols), valid_rows_(valid_x ? valid_rows : 0) {
  if (rows < 1 || cols < 1) throw ShapeError("gbdt: needs at least one row and one feature");
  check_labels(y, rows, params_, "y");
  if (valid_rows_ > 0) check_labels(valid_y, valid_rows_, params_, "validY");
  y_.assign(y, y + rows);
  train_ = std::make_unique<BinnedData>(bin_train(x, rows, cols, params_.max_bins, params_.seed));
  if (valid_rows_ > 0) {
    valid_y_.assign(valid_y, valid_y + valid_rows_);
    valid_ = std::make_unique<BinnedData>(bin_like(*train_, valid_x, valid_rows_));
  }
  model_.base_score = base_scores(y_, params_);
  const int k = params_.outputs();
  scores_.resize(size_t(rows * k));
  valid_scores_.resize(size_t(valid_rows_ * k));
  for (int64_t r = 0; r < rows; ++r) std::copy_n(model_.base_score.begin(), k, scores_.begin() + r * k);
  for (int64_t r = 0; r < valid_rows_; ++r) std::copy_n(model_.base_score.begin(), k, valid_scores_.begin() + r * k);
  update_losses();
  best_loss_ = valid_loss_;
}

Booster::~Booster() = default;

void Booster::add_tree(const Model& nodes) {
  const int32_t base = int32_t(model_.feature.size());
  model_.roots.push_back(base);
  for (size_t i = 0; i < nodes.feature.size(); ++i) {
    const bool leaf = nodes.feature[i] < 0;
    model_.feature.push_back(nodes.feature[i]);
    model_.threshold.push_back(nodes.threshold[i]);
    model_.left.push_back(leaf ? -1 : nodes.left[i] + base);
    model_.right.push_back(leaf ? -1 : nodes.right[i] + base);
    model_.missing_left.push_back(nodes.missing_left[i]);
    model_.value.push_back(nodes.value[i]);
  }
}

void Booster::update_losses() {
  train_loss_ = mean_loss(scores_, y_, params_);
  valid_loss_ = mean_loss(valid_scores_, valid_y_, params_);
  train_accuracy_ = accuracy(scores_, y_, params_);
  valid_accuracy_ = accuracy(valid_scores_, valid_y_, params_);
}

// Called after each round's trees: records the best validation loss, stops after
// early_stopping_rounds rounds without an improvement of more than tolerance.
static void track(int rounds, double loss, const Params& p, double& best, int& best_rounds, int& since, bool& stop) {
  if (p.early_stopping_rounds == 0 || loss != loss) {
    best_rounds = rounds;
    return;
  }
  if (loss < best - p.tolerance) {
    best = loss;
    best_rounds = rounds;
    since = 0;
  } else if (++since >= p.early_stopping_rounds) {
    stop = true;
  }
}

void Booster::round() {
  const int k = params_.outputs();
  Rng rng(uint64_t(params_.seed) * 0x9e3779b97f4a7c15ULL + uint64_t(rounds_) + 1);
  const int64_t bag = params_.row_subsample < 1 ? std::max<int64_t>(1, int64_t(params_.row_subsample * double(rows_))) : rows_;
  const std::vector<int32_t> rows = sample_sorted(rows_, bag, rng);
  const int64_t ncols = std::max<int64_t>(1, int64_t(std::llround(params_.col_subsample * double(cols_))));
  std::vector<float> g(static_cast<size_t>(rows_)), h(static_cast<size_t>(rows_));
  const std::vector<float> scores = scores_;  // every tree of a round starts from the same scores
  for (int c = 0; c < k; ++c) {
    gradients(scores, y_, params_, c, g.data(), h.data());
    std::vector<int32_t> idx = rows;
    const std::vector<int32_t> features = sample_sorted(cols_, ncols, rng);
    const Tree t = grow_tree(*train_, g.data(), h.data(), idx, features, params_);
    add_tree_scores(t, *train_, k, c, scores_);
    if (valid_) add_tree_scores(t, *valid_, k, c, valid_scores_);
    add_tree(t.nodes);
  }
  ++rounds_;
  update_losses();
  track(rounds_, valid_loss_, params_, best_loss_, best_rounds_, since_best_, stopped_);
}

int Booster::boost(int rounds) {
  int done = 0;
  while (done < rounds && !stopped_) {
    round();
    ++done;
  }
  return done;
}

void Booster::load(const ModelView& m, const float* base_score) {
  if (rounds_ > 0) throw ShapeError("gbdt: load() needs a booster that has not boosted yet");
  const int k = params_.outputs();
  if (m.trees % k != 0)
    throw ShapeError("gbdt: a checkpoint of " + std::to_string(m.trees) + " trees is not whole rounds of " +
                     std::to_string(k));
  check_model(m, cols_, "gbdt");
  model_.base_score.assign(base_score, base_score + k);
  for (int64_t r = 0; r < rows_; ++r) std::copy_n(base_score, k, scores_.begin() + r * k);
  for (int64_t r = 0; r < valid_rows_; ++r) std::copy_n(base_score, k, valid_scores_.begin() + r * k);
  update_losses();
  best_loss_ = valid_loss_;
  for (int64_t t = 0; t < m.trees; ++t) {
    const int64_t begin = m.roots[t], end = t + 1 < m.trees ? m.roots[t + 1] : m.nodes;
    if (end <= begin) throw ShapeError("gbdt: the checkpoint's trees are not stored one after another");
    Tree tree;
    for (int64_t i = begin; i < end; ++i) {
      const int32_t f = m.feature[i];
      tree.nodes.feature.push_back(f);
      tree.nodes.threshold.push_back(m.threshold[i]);
      tree.nodes.left.push_back(f < 0 ? -1 : int32_t(m.left[i] - begin));
      tree.nodes.right.push_back(f < 0 ? -1 : int32_t(m.right[i] - begin));
      tree.nodes.missing_left.push_back(m.missing_left[i]);
      tree.nodes.value.push_back(m.value[i]);
      tree.bin.push_back(f < 0 ? 0 : train_->bin_of_threshold(f, m.threshold[i]));
      if (f >= 0 && (m.left[i] >= end || m.right[i] >= end))
        throw ShapeError("gbdt: tree " + std::to_string(t) + " points outside itself");
    }
    const int c = int(t % k);
    add_tree_scores(tree, *train_, k, c, scores_);
    if (valid_) add_tree_scores(tree, *valid_, k, c, valid_scores_);
    add_tree(tree.nodes);
    if (c == k - 1) {
      ++rounds_;
      update_losses();
      track(rounds_, valid_loss_, params_, best_loss_, best_rounds_, since_best_, stopped_);
    }
  }
}

Model Booster::model(int rounds) const {
  Model m = model_;
  const int64_t trees = rounds < 0 ? int64_t(m.roots.size()) : std::min<int64_t>(m.roots.size(), int64_t(rounds) * params_.outputs());
  if (trees < int64_t(m.roots.size())) {
    const size_t nodes = size_t(m.roots[size_t(trees)]);
    m.roots.resize(size_t(trees));
    m.feature.resize(nodes);
    m.threshold.resize(nodes);
    m.left.resize(nodes);
    m.right.resize(nodes);
    m.missing_left.resize(nodes);
    m.value.resize(nodes);
  }
  return m;
}

}  // namespace kiln::gbdt
