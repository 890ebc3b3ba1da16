// NHWC Conv2D and both gradients on the GPU as im2col + SGEMM (TF32 when enabled):
//   forward          y[M, OC]  = col[M, K] · W[K, OC]          (M = N·OH·OW, K = FH·FW·IC)
//   backprop input   dcol      = dy[M, OC] · Wᵀ, then col2im   (a gather: deterministic)
//   backprop filter  dW[K, OC] = colᵀ · dy, split along M into partial products that a
//                    batched SGEMM computes side by side and one reduction adds up, so a
//                    small filter gradient over a large batch still fills the GPU.
// 1x1 stride-1 unpadded convolutions skip im2col (x already is the column matrix). The
// column buffer comes from the caching allocator, at most kColFloats at a time, so large
// batches run in chunks of rows (whole images for the input gradient).
#include <cuda_runtime.h>

#include <algorithm>

#include "kiln/conv.h"
#include "kiln/cuda_kernels.h"
#include "launch.h"

namespace kiln::cuda {
namespace {

using detail::grid_index;
using detail::grid_stride;

constexpr int64_t kColFloats = int64_t(64) << 20;      // 256 MiB of column matrix per chunk
constexpr int64_t kPartialFloats = int64_t(32) << 20;  // 128 MiB of filter-gradient partials
constexpr int64_t kTargetTiles = 264;                  // 128 x 128 GEMM tiles that keep an H100 busy

__global__ void im2col_kernel(const ConvGeometry g, const float* __restrict__ x, int64_t m0, int64_t rows, int64_t k_len,
                              float* col) {
  for (int64_t i = grid_index(); i < rows * k_len; i += grid_stride()) {
    const int64_t k = i % k_len, m = m0 + i / k_len;
    const int64_t ic = k % g.in_c, fw = (k / g.in_c) % g.filter_w, fh = k / (g.in_c * g.filter_w);
    const int64_t ow = m % g.out_w, oh = (m / g.out_w) % g.out_h, n = m / (g.out_w * g.out_h);
    const int64_t ih = oh * g.stride_h - g.pad_top + fh * g.dilation_h;
    const int64_t iw = ow * g.stride_w - g.pad_left + fw * g.dilation_w;
    const bool inside = ih >= 0 && ih < g.in_h && iw >= 0 && iw < g.in_w;
    col[i] = inside ? x[((n * g.in_h + ih) * g.in_w + iw) * g.in_c + ic] : 0.0f;
  }
}

// dx for images [n0, n0 + images): each element sums the column entries it was copied to.
__global__ void col2im_kernel(const ConvGeometry g, const float* __restrict__ dcol, int64_t n0, int64_t images,
                              int64_t k_len, float* dx) {
  const int64_t per_image = g.in_h * g.in_w * g.in_c;
  for (int64_t i = grid_index(); i < images * per_image; i += grid_stride()) {
    const int64_t ic = i % g.in_c, iw = (i / g.in_c) % g.in_w, ih = (i / (g.in_c * g.in_w)) % g.in_h;
    const int64_t nl = i / per_image;
    float acc = 0.0f;
    for (int64_t fh = 0; fh < g.filter_h; ++fh) {
      const int64_t th = ih + g.pad_top - fh * g.dilation_h;
      if (th < 0 || th % g.stride_h != 0 || th / g.stride_h >= g.out_h) continue;
      const int64_t oh = th / g.stride_h;
      for (int64_t fw = 0; fw < g.filter_w; ++fw) {
        const int64_t tw = iw + g.pad_left - fw * g.dilation_w;
        if (tw < 0 || tw % g.stride_w != 0 || tw / g.stride_w >= g.out_w) continue;
        const int64_t ow = tw / g.stride_w;
        acc += dcol[((nl * g.out_h + oh) * g.out_w + ow) * k_len + (fh * g.filter_w + fw) * g.in_c + ic];
      }
    }
    dx[n0 * per_image + i] = acc;
  }
}

bool pointwise(const ConvGeometry& g) {
  return g.filter_h == 1 && g.filter_w == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 &&
         g.pad_left == 0 && g.out_h == g.in_h && g.out_w == g.in_w;
}

GemmShape shape(int64_t m, int64_t n, int64_t k, bool ta, bool tb) {
  GemmShape s;
  s.trans_a = ta, s.trans_b = tb, s.m = m, s.n = n, s.k = k;
  s.lda = ta ? m : k, s.ldb = tb ? k : n, s.ldc = n;
  return s;
}

// Scratch from the caching allocator, returned in stream order when the scope ends.
class Scratch {
 public:
  Scratch(Stream* s, int64_t floats, const char* op)
      : ptr_(floats > 0 ? static_cast<float*>(device_alloc(s, size_t(floats) * 4, op)) : nullptr) {}
  ~Scratch() { device_free(ptr_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  float* get() const { return ptr_; }

 private:
  float* ptr_;
};

void im2col(Stream* s, const ConvGeometry& g, const float* x, int64_t m0, int64_t rows, int64_t k, float* col,
            const char* op) {
  detail::OnStream on(s, op);
  im2col_kernel<<<detail::blocks_for(rows * k), detail::kThreads, 0, on.get()>>>(g, x, m0, rows, k, col);
  on.launched();
}

}  // namespace

void conv2d(Stream* s, const ConvGeometry& g, const float* x, const float* w, float* y) {
  check_conv_geometry(g, "Conv2D");
  const int64_t m = g.batch * g.out_h * g.out_w, k = g.filter_h * g.filter_w * g.in_c, n = g.out_c;
  if (pointwise(g)) return sgemm(s, shape(m, n, k, false, false), 1, 1.0f, x, 0, w, 0, 0.0f, y, 0);
  const int64_t rows = std::min(m, std::max<int64_t>(1, kColFloats / k));
  Scratch col(s, rows * k, "Conv2D");
  for (int64_t m0 = 0; m0 < m; m0 += rows) {
    const int64_t mc = std::min(rows, m - m0);
    im2col(s, g, x, m0, mc, k, col.get(), "Conv2D");
    sgemm(s, shape(mc, n, k, false, false), 1, 1.0f, col.get(), 0, w, 0, 0.0f, y + m0 * n, 0);
  }
}

void conv2d_backprop_input(Stream* s, const ConvGeometry& g, const float* dy, const float* w, float* dx) {
  check_conv_geometry(g, "Conv2DBackpropInput");
  const int64_t per_image = g.out_h * g.out_w, k = g.filter_h * g.filter_w * g.in_c, oc = g.out_c;
  // dy · Wᵀ: W is stored [K, OC], so op(B) = Wᵀ is B transposed.
  if (pointwise(g)) return sgemm(s, shape(g.batch * per_image, k, oc, false, true), 1, 1.0f, dy, 0, w, 0, 0.0f, dx, 0);
  const int64_t images = std::min(g.batch, std::max<int64_t>(1, kColFloats / (per_image * k)));
  Scratch dcol(s, images * per_image * k, "Conv2DBackpropInput");
  for (int64_t n0 = 0; n0 < g.batch; n0 += images) {
    const int64_t nc = std::min(images, g.batch - n0);
    sgemm(s, shape(nc * per_image, k, oc, false, true), 1, 1.0f, dy + n0 * per_image * oc, 0, w, 0, 0.0f, dcol.get(), 0);
    detail::OnStream on(s, "Conv2DBackpropInput");
    const int64_t total = nc * g.in_h * g.in_w * g.in_c;
    col2im_kernel<<<detail::blocks_for(total), detail::kThreads, 0, on.get()>>>(g, dcol.get(), n0, nc, k, dx);
    on.launched();
  }
}

void conv2d_backprop_filter(Stream* s, const ConvGeometry& g, const float* x, const float* dy, float* dw) {
  constexpr const char* kOp = "Conv2DBackpropFilter";
  check_conv_geometry(g, kOp);
  const int64_t m = g.batch * g.out_h * g.out_w, k = g.filter_h * g.filter_w * g.in_c, oc = g.out_c;
  // Split M (the GEMM's depth) into `parts` runs of `len` rows, one partial dW each.
  const int64_t tiles = ((k + 127) / 128) * ((oc + 127) / 128);
  int64_t parts = std::clamp<int64_t>((kTargetTiles + tiles - 1) / tiles, 1, std::max<int64_t>(1, m / 256));
  parts = std::min(parts, std::max<int64_t>(1, kPartialFloats / (k * oc)));
  const int64_t len = (m + parts - 1) / parts;
  parts = (m + len - 1) / len;

  const bool direct = pointwise(g);
  const int64_t chunk_parts = direct ? parts : std::max<int64_t>(1, kColFloats / (len * k));
  const int64_t rows = std::min(m, chunk_parts * len);
  Scratch col(s, direct ? 0 : rows * k, kOp);
  Scratch partial(s, parts > 1 ? parts * k * oc : 0, kOp);
  float* out = parts > 1 ? partial.get() : dw;
  for (int64_t m0 = 0, p0 = 0; m0 < m; m0 += rows) {
    const int64_t mc = std::min(rows, m - m0);
    const float* a = direct ? x + m0 * k : col.get();
    if (!direct) im2col(s, g, x, m0, mc, k, col.get(), kOp);
    const int64_t full = mc / len, rest = mc % len;
    // colᵀ · dy per run: A is the run's [len, K] rows, so op(A) is A transposed.
    if (full > 0)
      sgemm(s, shape(k, oc, len, true, false), full, 1.0f, a, len * k, dy + m0 * oc, len * oc, 0.0f,
            out + p0 * k * oc, k * oc);
    if (rest > 0)
      sgemm(s, shape(k, oc, rest, true, false), 1, 1.0f, a + full * len * k, 0, dy + (m0 + full * len) * oc, 0, 0.0f,
            out + (p0 + full) * k * oc, 0);
    p0 += full + (rest > 0 ? 1 : 0);
  }
  if (parts > 1) reduce(s, ReduceOp::kSum, partial.get(), 1, parts, k * oc, dw);
}

}  // namespace kiln::cuda
