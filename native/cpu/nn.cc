// Batch norm and bias + activation: per-channel vectors repeat every `channels` values,
// so the data is cut into segments that start at a channel boundary. With few channels
// a segment spans many rows and the per-channel vectors are expanded (repeated) into
// stack tiles of the same length, which keeps the kernels on long unit-stride loops even
// for 3-channel images; with many channels a segment is a column tile of one row.
#include "kiln/nn.h"

#include <algorithm>
#include <string>

#include "kiln/cpu_features.h"
#include "kiln/errors.h"
#include "nn_kernels.h"
#include "parallel.h"

namespace kiln {
namespace {

constexpr int64_t kTile = 1024;

const detail::NnKernels& kernels() {
  switch (simd_level()) {
    case SimdLevel::kAvx512: return detail::kNnAvx512;
    case SimdLevel::kAvx2: return detail::kNnAvx2;
    default: return detail::kNnScalar;
  }
}

struct Segments {
  int64_t n, channels, len, per_row, count;
  bool wide;  // channels > kTile: segments are column tiles of one row

  Segments(int64_t n_, int64_t channels_) : n(n_), channels(channels_) {
    wide = channels > kTile;
    len = wide ? kTile : channels * std::max<int64_t>(1, std::min(kTile, n) / channels);
    per_row = wide ? (channels + kTile - 1) / kTile : 1;
    count = wide ? (n / channels) * per_row : (n + len - 1) / len;
  }
  /// Start, length and first channel of segment s.
  void get(int64_t s, int64_t* start, int64_t* size, int64_t* c0) const {
    if (wide) {
      *c0 = (s % per_row) * kTile;
      *start = (s / per_row) * channels + *c0;
      *size = std::min(kTile, channels - *c0);
    } else {
      *c0 = 0;
      *start = s * len;
      *size = std::min(len, n - *start);
    }
  }
};

// Where a kernel reads a per-channel vector for one segment.
struct Source {
  const float* base;  // a stack tile (scalar, default or expanded) or the caller's data
  enum { kTileData, kChannel, kFull } kind;
  const float* at(int64_t start, int64_t c0) const {
    return kind == kTileData ? base : kind == kChannel ? base + c0 : base + start;
  }
};

// Fills tile (seg.len values, or kTile when wide) for p and says where to read it.
Source prepare(const char* name, NormParam p, float fallback, const Segments& seg, float* tile) {
  const int64_t fill = seg.wide ? kTile : seg.len;
  if (p.data == nullptr || p.length == 1) {
    std::fill(tile, tile + fill, p.data ? p.data[0] : fallback);
    return {tile, Source::kTileData};
  }
  if (p.length == seg.channels) {
    if (seg.wide) return {p.data, Source::kChannel};
    for (int64_t i = 0; i < fill; i += seg.channels) std::copy(p.data, p.data + seg.channels, tile + i);
    return {tile, Source::kTileData};
  }
  if (p.length == seg.n) return {p.data, Source::kFull};
  throw ShapeError(std::string("batchNorm: ") + name + " has " + std::to_string(p.length) + " values; expected 1, " +
                   std::to_string(seg.channels) + " (channels) or " + std::to_string(seg.n) + " (all of x)");
}

}  // namespace

void batch_norm(const float* x, int64_t n, int64_t channels, NormParam mean, NormParam variance, NormParam offset,
                NormParam scale, float epsilon, float* y) {
  if (channels < 1 || n % channels != 0)
    throw ShapeError("batchNorm: x has " + std::to_string(n) + " values, not a multiple of " +
                     std::to_string(channels) + " channels");
  if (n == 0) return;
  const Segments seg(n, channels);
  float tiles[4][kTile];
  const Source m = prepare("mean", mean, 0.0f, seg, tiles[0]);
  const Source v = prepare("variance", variance, 1.0f, seg, tiles[1]);
  const Source o = prepare("offset", offset, 0.0f, seg, tiles[2]);
  const Source s = prepare("scale", scale, 1.0f, seg, tiles[3]);
  const auto& k = kernels();
  detail::parallel_items(seg.count, seg.len, [&](int64_t s0, int64_t s1) {
    for (int64_t i = s0; i < s1; ++i) {
      int64_t start, size, c0;
      seg.get(i, &start, &size, &c0);
      k.batch_norm(x + start, m.at(start, c0), v.at(start, c0), o.at(start, c0), s.at(start, c0), epsilon,
                   y + start, size);
    }
  });
}

void bias_act(float* y, int64_t rows, int64_t cols, const float* bias, Activation act, float alpha) {
  const int64_t n = rows * cols;
  if (n == 0) return;
  const auto& k = kernels();
  const int a = static_cast<int>(act);
  const int64_t cost = act == Activation::kLinear || act == Activation::kRelu ? 1 : 4;
  if (bias == nullptr) {
    detail::parallel_items(n, cost, [&](int64_t b, int64_t e) { k.bias_act(y + b, nullptr, e - b, a, alpha); });
    return;
  }
  const Segments seg(n, cols);
  float tile[kTile];
  const Source src = prepare("bias", NormParam{bias, cols}, 0.0f, seg, tile);
  detail::parallel_items(seg.count, seg.len * cost, [&](int64_t s0, int64_t s1) {
    for (int64_t i = s0; i < s1; ++i) {
      int64_t start, size, c0;
      seg.get(i, &start, &size, &c0);
      k.bias_act(y + start, src.at(start, c0), size, a, alpha);
    }
  });
}

}  // namespace kiln
