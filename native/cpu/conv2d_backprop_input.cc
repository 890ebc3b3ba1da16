// Conv2DBackpropInput. At stride 1 it is a forward convolution of dy with the filter
// flipped in space and transposed in channels (padding effFilter - 1 - pad), so it reuses
// the forward paths and never scatters. Other strides go through GEMM + col2im:
// dcol = dy * filter^T, then each dcol row is added into the window it came from.
#include <algorithm>
#include <cstring>

#include "conv_kernels.h"
#include "kiln/conv.h"
#include "kiln/sgemm.h"
#include "kiln/thread_pool.h"

namespace kiln {
namespace {

constexpr const char* kOp = "Conv2DBackpropInput";

thread_local detail::ConvScratch tls_filter;  // the flipped filter
thread_local detail::ConvScratch tls_dcol;    // one chunk of dy * filter^T

void backprop_stride1(const ConvGeometry& g, const float* dy, const float* w, float* dx) {
  ConvGeometry t = g;
  t.in_h = g.out_h;
  t.in_w = g.out_w;
  t.in_c = g.out_c;
  t.out_h = g.in_h;
  t.out_w = g.in_w;
  t.out_c = g.in_c;
  t.pad_top = g.eff_filter_h() - 1 - g.pad_top;
  t.pad_left = g.eff_filter_w() - 1 - g.pad_left;
  const detail::ConvPlan plan = detail::forward_plan(t);

  // Tap (kh, kw) of the new filter is tap (fh-1-kh, fw-1-kw) of the old one; its
  // [outC][inC] block is the old [inC][outC] block, transposed for the HWIO paths.
  const int64_t taps = g.filter_h * g.filter_w, ci = g.in_c, co = g.out_c, block = ci * co;
  float* flipped = tls_filter.get(static_cast<size_t>(g.filter_size()), kOp);
  for (int64_t tap = 0; tap < taps; ++tap) {
    const float* src = w + (taps - 1 - tap) * block;
    float* dst = flipped + tap * block;
    if (plan.path == detail::ConvPath::kDot) {  // wants [outC'=inC][inC'=outC]: the old layout
      std::memcpy(dst, src, sizeof(float) * block);
    } else {
      for (int64_t o = 0; o < co; ++o)
        for (int64_t i = 0; i < ci; ++i) dst[o * ci + i] = src[i * co + o];
    }
  }
  detail::conv2d_packed(t, plan, dy, flipped, dx);
}

// dx[window of output pixel r] += dcol[r] for output pixels [row0, row0 + rows).
void col2im_add(const ConvGeometry& g, const float* dcol, int64_t row0, int64_t rows, float* dx) {
  const int64_t c = g.in_c, span = g.filter_w * c, k = g.filter_h * span, plane = g.out_h * g.out_w;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t q = row0 + r, n = q / plane, oh = (q % plane) / g.out_w, ow = q % g.out_w;
    const float* src = dcol + r * k;
    float* img = dx + n * g.in_h * g.in_w * c;
    for (int64_t kh = 0; kh < g.filter_h; ++kh) {
      const int64_t ih = oh * g.stride_h - g.pad_top + kh * g.dilation_h;
      if (ih < 0 || ih >= g.in_h) continue;
      for (int64_t kw = 0; kw < g.filter_w; ++kw) {
        const int64_t iw = ow * g.stride_w - g.pad_left + kw * g.dilation_w;
        if (iw < 0 || iw >= g.in_w) continue;
        float* d = img + (ih * g.in_w + iw) * c;
        const float* s = src + kh * span + kw * c;
        for (int64_t i = 0; i < c; ++i) d[i] += s[i];
      }
    }
  }
}

// One image: its dx receives only its own dy rows, so images are independent tasks.
void backprop_image(const ConvGeometry& g, const float* dy, const float* w, float* dx, int64_t n) {
  const int64_t plane = g.out_h * g.out_w, k = g.filter_h * g.filter_w * g.in_c;
  std::memset(dx + n * g.in_h * g.in_w * g.in_c, 0, sizeof(float) * g.in_h * g.in_w * g.in_c);
  const int64_t rows = std::max<int64_t>(24, (128 * 1024 / 4) / k);
  GemmShape s;
  s.trans_b = true;  // op(B) = filter^T: the filter is stored K x outC
  s.n = k;
  s.k = g.out_c;
  s.lda = g.out_c;
  s.ldb = g.out_c;
  s.ldc = k;
  for (int64_t r0 = n * plane; r0 < (n + 1) * plane; r0 += rows) {
    s.m = std::min(rows, (n + 1) * plane - r0);
    float* dcol = tls_dcol.get(static_cast<size_t>(s.m * k), kOp);
    sgemm(s, 1.0f, dy + r0 * g.out_c, w, 0.0f, dcol);
    col2im_add(g, dcol, r0, s.m, dx);
  }
}

}  // namespace

void conv2d_backprop_input(const ConvGeometry& g, const float* dy, const float* filter, float* dx) {
  check_conv_geometry(g, kOp);
  if (g.stride_h == 1 && g.stride_w == 1) {
    backprop_stride1(g, dy, filter, dx);
    return;
  }
  if (g.batch >= available_threads()) {
    ThreadPool::instance().run(g.batch, [&](int64_t n) { backprop_image(g, dy, filter, dx, n); });
  } else {  // too few images to share out: let each GEMM use the threads
    for (int64_t n = 0; n < g.batch; ++n) backprop_image(g, dy, filter, dx, n);
  }
}

}  // namespace kiln
