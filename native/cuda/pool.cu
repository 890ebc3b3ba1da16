// NHWC max/avg pooling and their gradients on the GPU, with the CPU kernels' rules:
// padded positions never win a max and are not counted in an average, NaN never wins,
// ties go to the first position in row-major window order. The gradients gather: one
// thread per input element visits every window that covers it (in the CPU's (oh, ow)
// order, so sums round the same way) instead of scattering with atomics, so results
// are deterministic and need no zero-fill.
#include <cuda_runtime.h>

#include "kiln/cuda_kernels.h"
#include "kiln/pool.h"
#include "launch.h"

namespace kiln::cuda {
namespace {

using detail::grid_index;
using detail::grid_stride;

struct Window {
  int64_t lo, hi;  // in-bounds input range
};

__device__ __forceinline__ Window clip(int64_t start, int64_t filter, int64_t in) {
  return {start < 0 ? 0 : start, min(start + filter, in)};
}

// Output positions o whose window [o * stride - pad, + filter) covers input position i.
__device__ __forceinline__ Window covering(int64_t i, int64_t filter, int64_t stride, int64_t pad, int64_t out) {
  const int64_t first_num = i + pad - filter + 1;
  const int64_t lo = first_num <= 0 ? 0 : (first_num + stride - 1) / stride;
  const int64_t hi = min((i + pad) / stride + 1, out);
  return {lo, hi};
}

template <bool Max>
__global__ void pool_kernel(const PoolGeometry g, int64_t n_out, const float* __restrict__ x, float* y) {
  for (int64_t i = grid_index(); i < n_out; i += grid_stride()) {
    const int64_t c = i % g.channels, ow = (i / g.channels) % g.out_w, oh = (i / (g.channels * g.out_w)) % g.out_h;
    const int64_t n = i / (g.channels * g.out_w * g.out_h);
    const Window hs = clip(oh * g.stride_h - g.pad_top, g.filter_h, g.in_h);
    const Window ws = clip(ow * g.stride_w - g.pad_left, g.filter_w, g.in_w);
    const float* img = x + n * g.in_h * g.in_w * g.channels + c;
    float acc = Max ? -INFINITY : 0.0f;
    for (int64_t ih = hs.lo; ih < hs.hi; ++ih)
      for (int64_t iw = ws.lo; iw < ws.hi; ++iw) {
        const float v = img[(ih * g.in_w + iw) * g.channels];
        acc = Max ? (v > acc ? v : acc) : acc + v;
      }
    y[i] = Max ? acc : acc / float((hs.hi - hs.lo) * (ws.hi - ws.lo));
  }
}

template <bool Max>
__global__ void pool_grad_kernel(const PoolGeometry g, const float* __restrict__ dy, const float* __restrict__ x,
                                 float* dx, int64_t n_in) {
  for (int64_t i = grid_index(); i < n_in; i += grid_stride()) {
    const int64_t c = i % g.channels, iw = (i / g.channels) % g.in_w, ih = (i / (g.channels * g.in_w)) % g.in_h;
    const int64_t n = i / (g.channels * g.in_w * g.in_h);
    const Window ohs = covering(ih, g.filter_h, g.stride_h, g.pad_top, g.out_h);
    const Window ows = covering(iw, g.filter_w, g.stride_w, g.pad_left, g.out_w);
    const float* img = Max ? x + n * g.in_h * g.in_w * g.channels + c : nullptr;
    const float* dimg = dy + n * g.out_h * g.out_w * g.channels + c;
    float acc = 0.0f;
    for (int64_t oh = ohs.lo; oh < ohs.hi; ++oh)
      for (int64_t ow = ows.lo; ow < ows.hi; ++ow) {
        const Window hs = clip(oh * g.stride_h - g.pad_top, g.filter_h, g.in_h);
        const Window ws = clip(ow * g.stride_w - g.pad_left, g.filter_w, g.in_w);
        const float d = dimg[(oh * g.out_w + ow) * g.channels];
        if (!Max) {
          acc += d / float((hs.hi - hs.lo) * (ws.hi - ws.lo));
          continue;
        }
        // This window's first maximum (none when all values are -inf or NaN): is it here?
        float best = -INFINITY;
        int64_t bh = -1, bw = -1;
        for (int64_t h = hs.lo; h < hs.hi; ++h)
          for (int64_t w = ws.lo; w < ws.hi; ++w) {
            const float v = img[(h * g.in_w + w) * g.channels];
            if (v > best) best = v, bh = h, bw = w;
          }
        if (bh == ih && bw == iw) acc += d;
      }
    dx[i] = acc;
  }
}

template <bool Max>
void pool_forward(Stream* s, const char* op, const PoolGeometry& g, const float* x, float* y) {
  check_pool_geometry(g, op);
  detail::OnStream on(s, op);
  pool_kernel<Max><<<detail::blocks_for(g.y_size()), detail::kThreads, 0, on.get()>>>(g, g.y_size(), x, y);
  on.launched();
}

template <bool Max>
void pool_backward(Stream* s, const char* op, const PoolGeometry& g, const float* dy, const float* x, float* dx) {
  check_pool_geometry(g, op);
  detail::OnStream on(s, op);
  pool_grad_kernel<Max><<<detail::blocks_for(g.x_size()), detail::kThreads, 0, on.get()>>>(g, dy, x, dx, g.x_size());
  on.launched();
}

}  // namespace

void max_pool(Stream* s, const PoolGeometry& g, const float* x, float* y) { pool_forward<true>(s, "MaxPool", g, x, y); }
void avg_pool(Stream* s, const PoolGeometry& g, const float* x, float* y) { pool_forward<false>(s, "AvgPool", g, x, y); }

void max_pool_grad(Stream* s, const PoolGeometry& g, const float* dy, const float* x, float* dx) {
  pool_backward<true>(s, "MaxPoolGrad", g, dy, x, dx);
}

void avg_pool_grad(Stream* s, const PoolGeometry& g, const float* dy, float* dx) {
  pool_backward<false>(s, "AvgPoolGrad", g, dy, nullptr, dx);
}

}  // namespace kiln::cuda
