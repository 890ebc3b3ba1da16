// Pooling loop nests over an instruction-set traits type I, instantiated by
// pool_avx512.cc and pool_avx2.cc (the portable build is in pool_kernels.h). Channels run
// innermost, L per vector, the last vector under a mask. I provides: V, M (load/store
// mask), C (compare result), L, zero/set1/load(M)/store(M)/max/add/div/gt/eq/select and
// mask(n). max(a, b) must be a > b ? a : b (x86's maxps), so a NaN pixel never wins, as
// with tfjs's `pixel > max`. Everything here has internal linkage (see conv_direct.h).
#pragma once
#include <cstdint>

#include "pool_kernels.h"

namespace kiln::detail {
namespace {

struct Span {
  int64_t lo, hi;
};
inline Span clip(int64_t start, int64_t filter, int64_t in) {
  const int64_t end = start + filter;
  return {start < 0 ? 0 : start, end < in ? end : in};
}

// Windows tile the input exactly: every input element lies in exactly one window, so the
// gradients assign instead of zero-filling dx and accumulating into it.
inline bool tiles(const PoolGeometry& g) {
  return g.stride_h == g.filter_h && g.stride_w == g.filter_w && g.pad_top == 0 && g.pad_left == 0 &&
         g.out_h * g.stride_h == g.in_h && g.out_w * g.stride_w == g.in_w;
}

template <typename I>
void zero_slice(const PoolGeometry& g, float* dimg, int64_t cb) {
  for (int64_t p = 0; p < g.in_h * g.in_w; ++p)
    for (int64_t i = 0; i < cb; i += I::L) I::store(dimg + p * g.channels + i, I::mask(cb - i), I::zero());
}

template <typename I, bool kMax>
void pool_rows(const PoolGeometry& g, const float* x, float* y, int64_t r0, int64_t r1) {
  using V = typename I::V;
  const int64_t c = g.channels;
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t n = r / g.out_h, oh = r % g.out_h;
    const Span hs = clip(oh * g.stride_h - g.pad_top, g.filter_h, g.in_h);
    const float* ximg = x + n * g.in_h * g.in_w * c;
    for (int64_t ow = 0; ow < g.out_w; ++ow) {
      const Span ws = clip(ow * g.stride_w - g.pad_left, g.filter_w, g.in_w);
      const V count = I::set1(static_cast<float>((hs.hi - hs.lo) * (ws.hi - ws.lo)));
      float* yp = y + (r * g.out_w + ow) * c;
      for (int64_t i = 0; i < c; i += I::L) {
        const typename I::M m = I::mask(c - i);  // lanes past c hold junk and are not stored
        V acc = kMax ? I::set1(-__builtin_inff()) : I::zero();
        for (int64_t ih = hs.lo; ih < hs.hi; ++ih)
          for (int64_t iw = ws.lo; iw < ws.hi; ++iw) {
            const V v = I::load(m, ximg + (ih * g.in_w + iw) * c + i);
            acc = kMax ? I::max(v, acc) : I::add(acc, v);
          }
        I::store(yp + i, m, kMax ? acc : I::div(acc, count));
      }
    }
  }
}

template <typename I>
void max_grad(const PoolGeometry& g, const float* dy, const float* x, float* dx, int64_t n, int64_t c0,
              int64_t cb) {
  using V = typename I::V;
  const int64_t c = g.channels;
  const bool assign = tiles(g);
  const float* ximg = x + n * g.in_h * g.in_w * c + c0;
  float* dimg = dx + n * g.in_h * g.in_w * c + c0;
  if (!assign) zero_slice<I>(g, dimg, cb);
  const V one = I::set1(1.0f);
  for (int64_t oh = 0; oh < g.out_h; ++oh) {
    const Span hs = clip(oh * g.stride_h - g.pad_top, g.filter_h, g.in_h);
    for (int64_t ow = 0; ow < g.out_w; ++ow) {
      const Span ws = clip(ow * g.stride_w - g.pad_left, g.filter_w, g.in_w);
      const float* dyp = dy + ((n * g.out_h + oh) * g.out_w + ow) * c + c0;
      for (int64_t i = 0; i < cb; i += I::L) {
        const typename I::M m = I::mask(cb - i);
        // where: row-major window position of the first maximum (a float: exact, since
        // windows hold < 2^24 positions). It stays -1 in a window of only -inf (or NaN),
        // which then passes nothing, as in tfjs.
        V best = I::set1(-__builtin_inff()), where = I::set1(-1.0f), pos = I::zero();
        for (int64_t ih = hs.lo; ih < hs.hi; ++ih)
          for (int64_t iw = ws.lo; iw < ws.hi; ++iw, pos = I::add(pos, one)) {
            const V v = I::load(m, ximg + (ih * g.in_w + iw) * c + i);
            const typename I::C more = I::gt(v, best);  // strict: ties keep the first position
            best = I::select(more, v, best);
            where = I::select(more, pos, where);
          }
        const V d = I::load(m, dyp + i);
        pos = I::zero();
        for (int64_t ih = hs.lo; ih < hs.hi; ++ih)
          for (int64_t iw = ws.lo; iw < ws.hi; ++iw, pos = I::add(pos, one)) {
            float* dp = dimg + (ih * g.in_w + iw) * c + i;
            const V v = I::select(I::eq(where, pos), d, I::zero());
            I::store(dp, m, assign ? v : I::add(v, I::load(m, dp)));
          }
      }
    }
  }
}

template <typename I>
void avg_grad(const PoolGeometry& g, const float* dy, float* dx, int64_t n, int64_t c0, int64_t cb) {
  using V = typename I::V;
  const int64_t c = g.channels;
  const bool assign = tiles(g);
  float* dimg = dx + n * g.in_h * g.in_w * c + c0;
  if (!assign) zero_slice<I>(g, dimg, cb);
  for (int64_t oh = 0; oh < g.out_h; ++oh) {
    const Span hs = clip(oh * g.stride_h - g.pad_top, g.filter_h, g.in_h);
    for (int64_t ow = 0; ow < g.out_w; ++ow) {
      const Span ws = clip(ow * g.stride_w - g.pad_left, g.filter_w, g.in_w);
      const V count = I::set1(static_cast<float>((hs.hi - hs.lo) * (ws.hi - ws.lo)));
      const float* dyp = dy + ((n * g.out_h + oh) * g.out_w + ow) * c + c0;
      for (int64_t i = 0; i < cb; i += I::L) {
        const typename I::M m = I::mask(cb - i);
        const V share = I::div(I::load(m, dyp + i), count);
        for (int64_t ih = hs.lo; ih < hs.hi; ++ih)
          for (int64_t iw = ws.lo; iw < ws.hi; ++iw) {
            float* dp = dimg + (ih * g.in_w + iw) * c + i;
            I::store(dp, m, assign ? share : I::add(share, I::load(m, dp)));
          }
      }
    }
  }
}

template <typename I>
const PoolKernels& simd_pool_kernels() {
  static const PoolKernels k{pool_rows<I, true>, pool_rows<I, false>, max_grad<I>, avg_grad<I>};
  return k;
}

}  // namespace
}  // namespace kiln::detail
