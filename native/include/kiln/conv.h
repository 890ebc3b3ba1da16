// NHWC 2-D convolution and its two gradients on the CPU, with TensorFlow's semantics.
// x is [batch, inH, inW, inC], the filter HWIO [filterH, filterW, inC, outC], y
// [batch, outH, outW, outC]. Outputs are overwritten, never accumulated into.
#pragma once
#include <cstdint>

namespace kiln {

/// One convolution. The bottom and right padding are implied by the output size.
struct ConvGeometry {
  int64_t batch, in_h, in_w, in_c, filter_h, filter_w, out_c, out_h, out_w;
  int64_t stride_h, stride_w, pad_top, pad_left, dilation_h, dilation_w;

  int64_t eff_filter_h() const { return dilation_h * (filter_h - 1) + 1; }
  int64_t eff_filter_w() const { return dilation_w * (filter_w - 1) + 1; }
  int64_t x_size() const { return batch * in_h * in_w * in_c; }
  int64_t y_size() const { return batch * out_h * out_w * out_c; }
  int64_t filter_size() const { return filter_h * filter_w * in_c * out_c; }
};

/// Entries of the geometry array the binding takes:
/// [batch, inH, inW, inC, filterH, filterW, outC, outH, outW, strideH, strideW, padTop,
///  padLeft, dilationH, dilationW].
constexpr int kConvGeometrySize = 15;

/// Builds a geometry from kConvGeometrySize values and validates it (ShapeError naming op).
ConvGeometry make_conv_geometry(const int32_t* values, const char* op);

/// Throws ShapeError naming `op` unless g is a convolution TensorFlow could produce.
void check_conv_geometry(const ConvGeometry& g, const char* op);

/// Validates one spatial axis of a sliding window (shared with pooling): sizes positive,
/// 0 <= pad < effective filter extent, and `out` the output size of some bottom padding
/// in [0, extent). `axis` is "Height" or "Width"; `pad_name` "padTop" or "padLeft".
void check_window_axis(const char* op, const char* axis, const char* pad_name, int64_t in, int64_t filter,
                       int64_t dilation, int64_t stride, int64_t pad, int64_t out);

/// y = conv(x, filter).
void conv2d(const ConvGeometry& g, const float* x, const float* filter, float* y);

/// dx = gradient of conv2d with respect to x, given dy.
void conv2d_backprop_input(const ConvGeometry& g, const float* dy, const float* filter, float* dx);

/// dw = gradient of conv2d with respect to the filter, given x and dy.
void conv2d_backprop_filter(const ConvGeometry& g, const float* x, const float* dy, float* dw);

}  // namespace kiln
