// Histogram-based gradient-boosted decision trees (builtin: gbdt). Features are float32,
// NaN is a missing value (each split learns which side missing values go). Training bins
// every feature into at most 255 quantile bins, grows each tree leaf-wise from per-node
// gradient histograms (the larger child's histogram is the parent's minus the smaller
// child's), and stops early when the validation loss stops improving. Prediction walks
// the trees on the raw float values; a bin index and a raw value take the same branch
// (v <= threshold exactly when bin(v) <= the split's bin).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

namespace kiln::gbdt {

enum class Objective : int { kRegression = 0, kBinary = 1, kMulticlass = 2 };

/// The most value bins a feature gets. Missing values get one more bin of their own (index
/// = the feature's value-bin count, at most 255), so a bin index fits in a byte.
constexpr int kMaxBins = 255;

struct Params {
  Objective objective = Objective::kBinary;
  /// Classes for kMulticlass (>= 3); 1 otherwise. Trees per round = output columns.
  int num_classes = 1;
  double learning_rate = 0.1;
  int max_leaves = 31;
  /// 0: unlimited.
  int max_depth = 0;
  int min_samples_leaf = 20;
  double l2 = 0.0;
  int max_bins = kMaxBins;
  double row_subsample = 1.0;
  double col_subsample = 1.0;
  /// Rounds without a validation improvement (of more than tolerance) before stopping; 0: never.
  int early_stopping_rounds = 10;
  double tolerance = 1e-7;
  uint32_t seed = 42;

  int outputs() const { return objective == Objective::kMulticlass ? num_classes : 1; }
};

/// Params in the order the binding takes them as a Float64Array.
constexpr int kParamCount = 13;
/// Reads and validates kParamCount values (ShapeError naming the field otherwise).
Params params_from(const double* v);

/// Trees flattened into node arrays. Node i is a leaf when feature[i] < 0 (its output is
/// value[i]); else rows with x[feature] <= threshold (or NaN and missing_left) go to
/// left[i], the rest to right[i]. Children always come after their parent. Tree t starts
/// at roots[t] and adds to output column t % outputs.
struct Model {
  std::vector<int32_t> feature;
  std::vector<float> threshold;
  std::vector<int32_t> left, right;
  std::vector<uint8_t> missing_left;
  std::vector<float> value;
  std::vector<int32_t> roots;
  /// Per output column: the score before any tree (log-odds, log-priors or the mean).
  std::vector<float> base_score;
};

/// A model as borrowed arrays (what prediction and the binding use).
struct ModelView {
  const int32_t* feature;
  const float* threshold;
  const int32_t* left;
  const int32_t* right;
  const uint8_t* missing_left;
  const float* value;
  int64_t nodes;
  const int32_t* roots;
  int64_t trees;
};

ModelView view(const Model& m);

/// ShapeError naming `fn` unless every tree of m is well-formed for `cols` features: node
/// indices in range, children after their parents, features in [0, cols).
void check_model(const ModelView& m, int64_t cols, const char* fn);

/// out[r * outputs + t % outputs] += tree t's leaf for row r, over rows x (rows x cols,
/// row-major). The caller fills out with the base score first. Threaded over rows.
void predict(const ModelView& m, int outputs, const float* x, int64_t rows, int64_t cols, float* out);

class BinnedData;

/// One training run: the binned data, the scores so far and the trees. Not thread-safe;
/// the binding runs one call on it at a time.
class Booster {
 public:
  /// Bins x (rows x cols) and, when given, the validation rows with the same bins. Labels
  /// are class indices (as floats) for the classifiers, targets for regression.
  Booster(const float* x, int64_t rows, int64_t cols, const float* y, const float* valid_x, int64_t valid_rows,
          const float* valid_y, const Params& params);
  ~Booster();

  /// Replays trees trained earlier (a checkpoint, same data and params) as if boosted here.
  void load(const ModelView& m, const float* base_score);
  /// Up to `rounds` more rounds; returns how many ran (fewer once early stopping stops).
  int boost(int rounds);

  int rounds() const { return rounds_; }
  /// Rounds up to and including the best validation loss (all rounds without validation).
  int best_rounds() const { return best_rounds_; }
  bool stopped() const { return stopped_; }
  double train_loss() const { return train_loss_; }
  /// NaN without validation rows.
  double valid_loss() const { return valid_loss_; }
  /// Fraction of rows whose highest score is their class (NaN for regression, or without rows).
  double train_accuracy() const { return train_accuracy_; }
  double valid_accuracy() const { return valid_accuracy_; }
  /// The first `rounds` rounds' trees (all when rounds < 0).
  Model model(int rounds = -1) const;
  const Params& params() const { return params_; }
  int64_t cols() const { return cols_; }

 private:
  void round();
  void add_tree(const Model& tree_nodes);
  void update_losses();

  Params params_;
  int64_t rows_, cols_, valid_rows_;
  std::unique_ptr<BinnedData> train_, valid_;
  std::vector<float> y_, valid_y_;
  std::vector<float> scores_, valid_scores_;  // rows x outputs, raw (before sigmoid/softmax)
  Model model_;
  int rounds_ = 0, best_rounds_ = 0, since_best_ = 0;
  bool stopped_ = false;
  double best_loss_ = 0, train_loss_ = 0, valid_loss_ = 0, train_accuracy_ = 0, valid_accuracy_ = 0;
};

}  // namespace kiln::gbdt
