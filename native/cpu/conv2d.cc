// Conv2D forward: geometry checks, im2col, and the driver for the three forward paths
// (conv_kernels.h). The same driver serves Conv2DBackpropInput at stride 1, which is a
// forward convolution of dy with the flipped, transposed filter.
#include <algorithm>
#include <cstring>
#include <string>

#include "conv_kernels.h"
#include "kiln/checked.h"
#include "kiln/conv.h"
#include "kiln/cpu_features.h"
#include "kiln/errors.h"
#include "kiln/sgemm.h"
#include "kiln/thread_pool.h"

namespace kiln {
namespace {

using detail::ConvPath;

thread_local detail::ConvScratch tls_col;     // im2col rows or padded input rows of one task
thread_local detail::ConvScratch tls_filter;  // Conv2D's filter in the kDot layout

std::string str(int64_t v) { return std::to_string(v); }

void check_positive(const char* op, const char* name, int64_t v) {
  if (v < 1) throw ShapeError(std::string(op) + ": " + name + " must be a positive integer, got " + str(v));
}

// Rows of one im2col/GEMM chunk: the chunk (plus its share of the output) stays in L2,
// and there are enough chunks to keep every thread busy.
int64_t chunk_rows(int64_t m, int64_t row_floats) {
  int64_t rows = std::max<int64_t>(24, (192 * 1024 / 4) / std::max<int64_t>(row_floats, 1));
  const int64_t per_thread = (m + 4 * available_threads() - 1) / (4 * available_threads());
  rows = std::min(rows, std::max<int64_t>(per_thread, 24));
  return std::max<int64_t>(1, (rows + 23) / 24 * 24);
}

// Runs fn(row0, rows) over [0, m) in chunks: on the pool when there are several chunks
// (kernels inside then run single-threaded), in place when one (sgemm threads itself).
template <typename F>
void for_chunks(int64_t m, int64_t rows, F&& fn) {
  const int64_t chunks = (m + rows - 1) / rows;
  if (chunks == 1) {
    fn(int64_t(0), m);
    return;
  }
  ThreadPool::instance().run(chunks, [&](int64_t c) { fn(c * rows, std::min(rows, m - c * rows)); });
}

void copy_floats(float* dst, const float* src, int64_t n) {
  if (n <= 8) {
    for (int64_t i = 0; i < n; ++i) dst[i] = src[i];
  } else {
    std::memcpy(dst, src, sizeof(float) * n);
  }
}

void zero_floats(float* dst, int64_t n) {
  if (n <= 8) {
    for (int64_t i = 0; i < n; ++i) dst[i] = 0.0f;
  } else {
    std::memset(dst, 0, sizeof(float) * n);
  }
}

void forward_gemm(const ConvGeometry& g, const float* x, const float* w, float* y) {
  const int64_t m = g.batch * g.out_h * g.out_w, k = g.filter_h * g.filter_w * g.in_c, n = g.out_c;
  GemmShape s;
  s.n = n;
  s.k = k;
  s.lda = k;
  s.ldb = n;
  s.ldc = n;
  const bool pointwise = g.filter_h == 1 && g.filter_w == 1 && g.stride_h == 1 && g.stride_w == 1 &&
                         g.pad_top == 0 && g.pad_left == 0;
  if (pointwise) {  // x already is the im2col matrix
    s.m = m;
    sgemm(s, 1.0f, x, w, 0.0f, y);
    return;
  }
  for_chunks(m, chunk_rows(m, k), [&](int64_t r0, int64_t rows) {
    float* col = tls_col.get(static_cast<size_t>(rows * k), "Conv2D");
    detail::im2col_rows(g, x, r0, rows, col);
    GemmShape cs = s;
    cs.m = rows;
    sgemm(cs, 1.0f, col, w, 0.0f, y + r0 * n);
  });
}

// kOuter pads a band of input rows per task, then runs its row kernel on it; kDot reads
// x in place (it has many channels, so a copy would cost as much as the math).
void forward_rows(const ConvGeometry& g, const detail::ConvPlan& plan, const float* x, const float* w, float* y) {
  const detail::ConvKernels& k = *plan.kernels;
  const int64_t row_floats = detail::band_row_floats(g);
  const int64_t band = detail::band_out_rows(g, 4 * available_threads());
  const int64_t bands = (g.out_h + band - 1) / band;
  const size_t buf_floats = static_cast<size_t>(((band - 1) * g.stride_h + g.eff_filter_h()) * row_floats);
  ThreadPool::instance().run(g.batch * bands, [&](int64_t task) {
    const int64_t n = task / bands, oh0 = (task % bands) * band, oh1 = std::min(g.out_h, oh0 + band);
    float* yimg = y + n * g.out_h * g.out_w * g.out_c;
    if (plan.path == ConvPath::kDot) {
      const float* ximg = x + n * g.in_h * g.in_w * g.in_c;
      k.dot_rows(g, ximg, oh0, oh1, w, yimg);
      return;
    }
    float* buf = tls_col.get(buf_floats, "Conv2D");
    detail::pad_band(g, x, n, oh0, oh1, buf);
    for (int64_t oh = oh0; oh < oh1; ++oh)
      k.outer_row(g, buf + (oh - oh0) * g.stride_h * row_floats, row_floats, w, yimg + oh * g.out_w * g.out_c);
  });
}

}  // namespace

void check_window_axis(const char* op, const char* axis, const char* pad_name, int64_t in, int64_t filter,
                       int64_t dilation, int64_t stride, int64_t pad, int64_t out) {
  const std::string a(axis), o(op);
  if (pad < 0) throw ShapeError(o + ": " + pad_name + " must be >= 0, got " + str(pad));
  const int64_t eff = dilation * (filter - 1) + 1;
  if (pad >= eff)
    throw ShapeError(o + ": " + pad_name + " " + str(pad) + " must be less than the effective filter" +
                     (a == "Height" ? " height " : " width ") + str(eff));
  // Any bottom padding in [0, eff) is allowed: out must be the size one of them gives.
  const int64_t num = in + pad - eff + 1;
  const int64_t lo = num <= 0 ? 1 : std::max<int64_t>(1, (num + stride - 1) / stride);
  const int64_t hi = (in + pad - 1) / stride + 1;
  if (out < lo || out > hi)
    throw ShapeError(o + ": out" + a + " " + str(out) + " does not fit in" + a + " " + str(in) + ", filter" + a +
                     " " + str(filter) + ", dilation" + a + " " + str(dilation) + ", stride" + a + " " +
                     str(stride) + " and " + pad_name + " " + str(pad) + " (expected " +
                     (lo == hi ? str(lo) : str(lo) + ".." + str(hi)) + ")");
}

void check_conv_geometry(const ConvGeometry& g, const char* op) {
  const std::pair<const char*, int64_t> sizes[] = {
      {"batch", g.batch},           {"inHeight", g.in_h},          {"inWidth", g.in_w},
      {"inChannels", g.in_c},       {"filterHeight", g.filter_h},  {"filterWidth", g.filter_w},
      {"outChannels", g.out_c},     {"outHeight", g.out_h},        {"outWidth", g.out_w},
      {"strideHeight", g.stride_h}, {"strideWidth", g.stride_w},   {"dilationHeight", g.dilation_h},
      {"dilationWidth", g.dilation_w}};
  for (const auto& [name, v] : sizes) check_positive(op, name, v);
  check_window_axis(op, "Height", "padTop", g.in_h, g.filter_h, g.dilation_h, g.stride_h, g.pad_top, g.out_h);
  check_window_axis(op, "Width", "padLeft", g.in_w, g.filter_w, g.dilation_w, g.stride_w, g.pad_left, g.out_w);
  checked_product({g.batch, g.in_h, g.in_w, g.in_c}, op, "x");
  checked_product({g.batch, g.out_h, g.out_w, g.out_c}, op, "y");
  checked_product({g.filter_h, g.filter_w, g.in_c, g.out_c}, op, "filter");
}

ConvGeometry make_conv_geometry(const int32_t* v, const char* op) {
  ConvGeometry g{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14]};
  check_conv_geometry(g, op);
  return g;
}

namespace detail {

ConvPlan forward_plan(const ConvGeometry& g) {
  // The register kernels beat im2col + sgemm on every shape measured (no im2col pass, no
  // packing of A); GEMM remains the portable path.
  const ConvKernels* k = conv_direct_kernels();
  if (k == nullptr) return {ConvPath::kGemm, nullptr};
  return {g.out_c <= 4 && g.in_c >= 8 ? ConvPath::kDot : ConvPath::kOuter, k};
}

const ConvKernels* conv_direct_kernels() {
  switch (simd_level()) {
    case SimdLevel::kAvx512: return &conv_kernels_avx512();
    case SimdLevel::kAvx2: return &conv_kernels_avx2();
    default: return nullptr;
  }
}

void conv2d_packed(const ConvGeometry& g, const ConvPlan& plan, const float* x, const float* w, float* y) {
  if (plan.path == ConvPath::kGemm) forward_gemm(g, x, w, y);
  else forward_rows(g, plan, x, w, y);
}

int64_t band_row_floats(const ConvGeometry& g) {
  return ((g.out_w - 1) * g.stride_w + g.eff_filter_w()) * g.in_c;
}

int64_t band_out_rows(const ConvGeometry& g, int64_t min_tasks) {
  const int64_t row_floats = band_row_floats(g);
  int64_t band = std::max<int64_t>(1, ((64 * 1024) / row_floats - g.eff_filter_h()) / g.stride_h + 1);
  const int64_t per_image = (min_tasks + g.batch - 1) / g.batch;
  return std::max<int64_t>(1, std::min({band, g.out_h, (g.out_h + per_image - 1) / per_image}));
}

void pad_band(const ConvGeometry& g, const float* x, int64_t n, int64_t oh0, int64_t oh1, float* buf) {
  const int64_t c = g.in_c, row_floats = band_row_floats(g);
  const int64_t rows = (oh1 - oh0 - 1) * g.stride_h + g.eff_filter_h();
  const int64_t left = g.pad_left * c, inside = std::min(g.in_w, row_floats / c - g.pad_left) * c;
  const float* ximg = x + n * g.in_h * g.in_w * c;
  for (int64_t i = 0; i < rows; ++i) {
    const int64_t ih = oh0 * g.stride_h - g.pad_top + i;
    float* dst = buf + i * row_floats;
    if (ih < 0 || ih >= g.in_h) {
      zero_floats(dst, row_floats);
      continue;
    }
    zero_floats(dst, left);
    copy_floats(dst + left, ximg + ih * g.in_w * c, inside);
    zero_floats(dst + left + inside, row_floats - left - inside);
  }
}

void im2col_rows(const ConvGeometry& g, const float* x, int64_t row0, int64_t rows, float* col) {
  const int64_t c = g.in_c, span = g.filter_w * c, k = g.filter_h * span, plane = g.out_h * g.out_w;
  int64_t n = row0 / plane, oh = (row0 % plane) / g.out_w, ow = row0 % g.out_w;
  for (int64_t r = 0; r < rows; ++r) {
    float* dst = col + r * k;
    const float* ximg = x + n * g.in_h * g.in_w * c;
    const int64_t ih0 = oh * g.stride_h - g.pad_top, iw0 = ow * g.stride_w - g.pad_left;
    const bool row_inside = iw0 >= 0 && iw0 + g.eff_filter_w() <= g.in_w && g.dilation_w == 1;
    for (int64_t kh = 0; kh < g.filter_h; ++kh) {
      const int64_t ih = ih0 + kh * g.dilation_h;
      float* d = dst + kh * span;
      if (ih < 0 || ih >= g.in_h) {
        zero_floats(d, span);
        continue;
      }
      const float* xrow = ximg + ih * g.in_w * c;
      if (row_inside) {  // the whole filter row is one contiguous run of x
        copy_floats(d, xrow + iw0 * c, span);
        continue;
      }
      for (int64_t kw = 0; kw < g.filter_w; ++kw) {
        const int64_t iw = iw0 + kw * g.dilation_w;
        if (iw < 0 || iw >= g.in_w) zero_floats(d + kw * c, c);
        else copy_floats(d + kw * c, xrow + iw * c, c);
      }
    }
    if (++ow == g.out_w) {
      ow = 0;
      if (++oh == g.out_h) {
        oh = 0;
        ++n;
      }
    }
  }
}

}  // namespace detail

void conv2d(const ConvGeometry& g, const float* x, const float* filter, float* y) {
  check_conv_geometry(g, "Conv2D");
  const detail::ConvPlan plan = detail::forward_plan(g);
  if (plan.path != ConvPath::kDot) {
    detail::conv2d_packed(g, plan, x, filter, y);
    return;
  }
  // kDot wants [tap][outC][inC]: transpose each tap's inC x outC block.
  const int64_t taps = g.filter_h * g.filter_w, ci = g.in_c, co = g.out_c;
  float* packed = tls_filter.get(static_cast<size_t>(g.filter_size()), "Conv2D");
  for (int64_t t = 0; t < taps; ++t)
    for (int64_t i = 0; i < ci; ++i)
      for (int64_t o = 0; o < co; ++o) packed[(t * co + o) * ci + i] = filter[(t * ci + i) * co + o];
  detail::conv2d_packed(g, plan, x, packed, y);
}

}  // namespace kiln
