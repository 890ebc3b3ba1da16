// NHWC 2-D max and average pooling and their gradients on the CPU, matching TensorFlow
// and tfjs-backend-cpu: padded positions never win a max and are not counted in an
// average; max ties go to the first position in row-major window order.
#pragma once
#include <cstdint>

namespace kiln {

/// One pooling window layout. The bottom and right padding are implied by the output size.
struct PoolGeometry {
  int64_t batch, in_h, in_w, channels, filter_h, filter_w, out_h, out_w;
  int64_t stride_h, stride_w, pad_top, pad_left;

  int64_t x_size() const { return batch * in_h * in_w * channels; }
  int64_t y_size() const { return batch * out_h * out_w * channels; }
};

/// Entries of the geometry array the binding takes:
/// [batch, inH, inW, channels, filterH, filterW, outH, outW, strideH, strideW, padTop, padLeft].
constexpr int kPoolGeometrySize = 12;

/// Builds a geometry from kPoolGeometrySize values and validates it (ShapeError naming op).
PoolGeometry make_pool_geometry(const int32_t* values, const char* op);

/// Throws ShapeError naming `op` unless g is a valid pooling layout.
void check_pool_geometry(const PoolGeometry& g, const char* op);

/// y = max over each window of x.
void max_pool(const PoolGeometry& g, const float* x, float* y);

/// dx = gradient of max_pool: each window's dy goes to the position of its first maximum
/// in x (recomputed here). Windows whose values are all -inf or NaN pass no gradient.
void max_pool_grad(const PoolGeometry& g, const float* dy, const float* x, float* dx);

/// y = mean over the in-bounds elements of each window of x.
void avg_pool(const PoolGeometry& g, const float* x, float* y);

/// dx = gradient of avg_pool: each window's dy spread evenly over its in-bounds elements.
void avg_pool_grad(const PoolGeometry& g, const float* dy, float* dx);

}  // namespace kiln
