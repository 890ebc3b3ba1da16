// Pooling kernels: one table per instruction set. AVX-512 and AVX2 use the intrinsic loop
// nests of pool_simd.h (GCC auto-vectorized the gradient loops to scalar code); the
// portable loop nests below (KILN_POOL_KERNELS_IMPL) are the baseline, built in
// max_pool.cc. They sit in an anonymous namespace and avoid std:: templates, so the
// linker can never hand one file another file's ISA-specific copy of a function.
#pragma once
#include <cstdint>
#include <cstring>

#include "kiln/pool.h"

namespace kiln::detail {

/// One instruction set's pooling kernels. Row kernels cover flattened (n, oh) rows
/// [r0, r1); gradient kernels one image n and channels [c0, c0 + cb), cb <= kPoolChannelBlock.
struct PoolKernels {
  void (*max_rows)(const PoolGeometry& g, const float* x, float* y, int64_t r0, int64_t r1);
  void (*avg_rows)(const PoolGeometry& g, const float* x, float* y, int64_t r0, int64_t r1);
  void (*max_grad)(const PoolGeometry& g, const float* dy, const float* x, float* dx, int64_t n, int64_t c0,
                   int64_t cb);
  void (*avg_grad)(const PoolGeometry& g, const float* dy, float* dx, int64_t n, int64_t c0, int64_t cb);
};

constexpr int64_t kPoolChannelBlock = 64;  // per-channel state of a gradient window lives on the stack

const PoolKernels& pool_kernels_baseline();
const PoolKernels& pool_kernels_avx2();
const PoolKernels& pool_kernels_avx512();
/// The table for the current simd_level().
const PoolKernels& pool_kernels();

/// Max (or average) pooling forward over the whole batch, threaded over rows.
void pool_rows(const PoolGeometry& g, const float* x, float* y, bool max);
/// MaxPoolGrad (x given) or AvgPoolGrad (x null), threaded over (image, channel block).
void pool_grad(const PoolGeometry& g, const float* dy, const float* x, float* dx);

}  // namespace kiln::detail

#ifdef KILN_POOL_KERNELS_IMPL
namespace kiln::detail {
namespace {

constexpr float kNegInf = -__builtin_inff();

struct Span {
  int64_t lo, hi;
};
inline Span clip(int64_t start, int64_t filter, int64_t in) {
  const int64_t end = start + filter;
  return {start < 0 ? 0 : start, end < in ? end : in};
}

void max_rows(const PoolGeometry& g, const float* x, float* y, int64_t r0, int64_t r1) {
  const int64_t c = g.channels;
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t n = r / g.out_h, oh = r % g.out_h;
    const Span hs = clip(oh * g.stride_h - g.pad_top, g.filter_h, g.in_h);
    const float* ximg = x + n * g.in_h * g.in_w * c;
    for (int64_t ow = 0; ow < g.out_w; ++ow) {
      const Span ws = clip(ow * g.stride_w - g.pad_left, g.filter_w, g.in_w);
      float* __restrict yp = y + (r * g.out_w + ow) * c;
      for (int64_t i = 0; i < c; ++i) yp[i] = kNegInf;
      for (int64_t ih = hs.lo; ih < hs.hi; ++ih)
        for (int64_t iw = ws.lo; iw < ws.hi; ++iw) {
          const float* __restrict xp = ximg + (ih * g.in_w + iw) * c;
          // NaN never wins, like tfjs-backend-cpu's `pixel > max` (and x86's maxps).
          for (int64_t i = 0; i < c; ++i) yp[i] = xp[i] > yp[i] ? xp[i] : yp[i];
        }
    }
  }
}

void avg_rows(const PoolGeometry& g, const float* x, float* y, int64_t r0, int64_t r1) {
  const int64_t c = g.channels;
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t n = r / g.out_h, oh = r % g.out_h;
    const Span hs = clip(oh * g.stride_h - g.pad_top, g.filter_h, g.in_h);
    const float* ximg = x + n * g.in_h * g.in_w * c;
    for (int64_t ow = 0; ow < g.out_w; ++ow) {
      const Span ws = clip(ow * g.stride_w - g.pad_left, g.filter_w, g.in_w);
      const float count = static_cast<float>((hs.hi - hs.lo) * (ws.hi - ws.lo));
      float* __restrict yp = y + (r * g.out_w + ow) * c;
      for (int64_t i = 0; i < c; ++i) yp[i] = 0.0f;
      for (int64_t ih = hs.lo; ih < hs.hi; ++ih)
        for (int64_t iw = ws.lo; iw < ws.hi; ++iw) {
          const float* __restrict xp = ximg + (ih * g.in_w + iw) * c;
          for (int64_t i = 0; i < c; ++i) yp[i] += xp[i];
        }
      for (int64_t i = 0; i < c; ++i) yp[i] /= count;
    }
  }
}

void zero_slice(const PoolGeometry& g, float* dimg, int64_t cb) {
  for (int64_t p = 0; p < g.in_h * g.in_w; ++p) std::memset(dimg + p * g.channels, 0, sizeof(float) * cb);
}

void max_grad(const PoolGeometry& g, const float* dy, const float* x, float* dx, int64_t n, int64_t c0,
              int64_t cb) {
  const int64_t c = g.channels;
  const float* ximg = x + n * g.in_h * g.in_w * c + c0;
  float* dimg = dx + n * g.in_h * g.in_w * c + c0;
  zero_slice(g, dimg, cb);
  // Written as plain selects over float arrays so the compiler vectorizes every loop.
  float best[kPoolChannelBlock], open[kPoolChannelBlock], d[kPoolChannelBlock];
  for (int64_t oh = 0; oh < g.out_h; ++oh) {
    const Span hs = clip(oh * g.stride_h - g.pad_top, g.filter_h, g.in_h);
    for (int64_t ow = 0; ow < g.out_w; ++ow) {
      const Span ws = clip(ow * g.stride_w - g.pad_left, g.filter_w, g.in_w);
      for (int64_t i = 0; i < cb; ++i) best[i] = kNegInf;
      for (int64_t ih = hs.lo; ih < hs.hi; ++ih)
        for (int64_t iw = ws.lo; iw < ws.hi; ++iw) {
          const float* __restrict xp = ximg + (ih * g.in_w + iw) * c;
          for (int64_t i = 0; i < cb; ++i) best[i] = xp[i] > best[i] ? xp[i] : best[i];
        }
      // open: the gradient still waits for the window's first maximum. A window of only
      // -inf (or NaN) has no maximum and passes nothing, as in tfjs.
      const float* __restrict dyp = dy + ((n * g.out_h + oh) * g.out_w + ow) * c + c0;
      for (int64_t i = 0; i < cb; ++i) {
        open[i] = best[i] > kNegInf ? 1.0f : 0.0f;
        d[i] = dyp[i];
      }
      for (int64_t ih = hs.lo; ih < hs.hi; ++ih)
        for (int64_t iw = ws.lo; iw < ws.hi; ++iw) {
          const float* __restrict xp = ximg + (ih * g.in_w + iw) * c;
          float* __restrict dp = dimg + (ih * g.in_w + iw) * c;
          for (int64_t i = 0; i < cb; ++i) {
            const bool hit = xp[i] == best[i] && open[i] != 0.0f;  // ties go to the first
            dp[i] += hit ? d[i] : 0.0f;
            open[i] = hit ? 0.0f : open[i];
          }
        }
    }
  }
}

void avg_grad(const PoolGeometry& g, const float* dy, float* dx, int64_t n, int64_t c0, int64_t cb) {
  const int64_t c = g.channels;
  float* dimg = dx + n * g.in_h * g.in_w * c + c0;
  zero_slice(g, dimg, cb);
  float share[kPoolChannelBlock];
  for (int64_t oh = 0; oh < g.out_h; ++oh) {
    const Span hs = clip(oh * g.stride_h - g.pad_top, g.filter_h, g.in_h);
    for (int64_t ow = 0; ow < g.out_w; ++ow) {
      const Span ws = clip(ow * g.stride_w - g.pad_left, g.filter_w, g.in_w);
      const float count = static_cast<float>((hs.hi - hs.lo) * (ws.hi - ws.lo));
      const float* __restrict dyp = dy + ((n * g.out_h + oh) * g.out_w + ow) * c + c0;
      for (int64_t i = 0; i < cb; ++i) share[i] = dyp[i] / count;
      for (int64_t ih = hs.lo; ih < hs.hi; ++ih)
        for (int64_t iw = ws.lo; iw < ws.hi; ++iw) {
          float* __restrict dp = dimg + (ih * g.in_w + iw) * c;
          for (int64_t i = 0; i < cb; ++i) dp[i] += share[i];
        }
    }
  }
}

const PoolKernels kKernels{max_rows, avg_rows, max_grad, avg_grad};

}  // namespace
}  // namespace kiln::detail
#endif  // KILN_POOL_KERNELS_IMPL
