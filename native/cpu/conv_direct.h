// Register kernels for the convolution shapes GEMM handles badly, written once over an
// instruction-set traits type I and instantiated by conv2d_avx512.cc and conv2d_avx2.cc:
//   outer: few input channels (K = filterH*filterW*inC small, so im2col, packing and
//          tile write-back would dominate): broadcast x, FMA into output-channel vectors.
//   dot:   few output channels (1..4 would waste most of a GEMM tile): vectors along the
//          input channels, one horizontal sum per output.
//   grad:  the filter gradient, a block of dw rows held in registers over a whole band.
// I provides: V (vector), M (lane mask), L (lanes), zero/set1/loadu/load(M)/store(M)/fma/
// add/mask(n), store_sums<P>(acc, y, y_step) (y[p * y_step] = horizontal sum of acc[p]),
// and the register blocking kOuterPixels, kGradRows, kDotPixels (for 2 vectors per
// output-channel block). Everything here has internal linkage and uses no std::
// algorithms, so the linker never hands one ISA's copy of a function to another file.
#pragma once
#include <immintrin.h>

#include <cstdint>
#include <type_traits>

#include "conv_kernels.h"

#define KILN_UNROLL _Pragma("GCC unroll 16")

namespace kiln::detail {
namespace {

inline int64_t lo_of(int64_t a, int64_t b) { return a < b ? a : b; }
inline int64_t hi_of(int64_t a, int64_t b) { return a > b ? a : b; }

// Where a window's taps sit in the input and in the filter, in floats.
struct Taps {
  int64_t fh, fw, c, n;    // taps to visit (rows, columns), input and output channels
  int64_t row, col, step;  // input: tap row stride, tap column stride, next pixel
  int64_t w_row, w_col;    // filter: tap row stride, tap column stride
};

inline Taps taps_of(const ConvGeometry& g, int64_t row_floats) {
  return {g.filter_h, g.filter_w, g.in_c, g.out_c, g.dilation_h * row_floats, g.dilation_w * g.in_c,
          g.stride_w * g.in_c, g.filter_w * g.in_c * g.out_c, g.in_c * g.out_c};
}

// Calls block(p0, count) over [0, total) in near-equal blocks of at most `max`, so a row
// of 28 becomes 10+9+9 rather than 12+12+4.
template <typename F>
void balanced_blocks(int64_t total, int64_t max, F&& block) {
  const int64_t blocks = (total + max - 1) / max;
  for (int64_t b = 0, p0 = 0; b < blocks; ++b) {
    const int64_t count = (total - p0) / (blocks - b);
    block(p0, count);
    p0 += count;
  }
}

// Calls f(std::integral_constant<int, P>) for a runtime p in [1, Max], Max <= 16.
template <int Max, typename F>
void with_count(int64_t p, F&& f) {
  switch (p) {
#define KILN_CASE(P) \
  case P:            \
    if constexpr (P <= Max) f(std::integral_constant<int, P>()); \
    return;
    KILN_CASE(1) KILN_CASE(2) KILN_CASE(3) KILN_CASE(4) KILN_CASE(5) KILN_CASE(6) KILN_CASE(7) KILN_CASE(8)
    KILN_CASE(9) KILN_CASE(10) KILN_CASE(11) KILN_CASE(12) KILN_CASE(13) KILN_CASE(14) KILN_CASE(15)
    KILN_CASE(16)
#undef KILN_CASE
    default: return;
  }
}

// ---- outer: y[P pixels][V vectors of channels] = sum over taps and input channels of
// x broadcast times w[tap][ic] vectors.
template <typename I, int P, int V>
void outer_block(const Taps& t, const float* x, const float* w, float* y, typename I::M m0, typename I::M m1) {
  using Vec = typename I::V;
  Vec acc[P][V];
  KILN_UNROLL for (int p = 0; p < P; ++p) KILN_UNROLL for (int v = 0; v < V; ++v) acc[p][v] = I::zero();
  for (int64_t kh = 0; kh < t.fh; ++kh) {
    for (int64_t kw = 0; kw < t.fw; ++kw) {
      const float* xt = x + kh * t.row + kw * t.col;
      const float* wt = w + kh * t.w_row + kw * t.w_col;
      for (int64_t ic = 0; ic < t.c; ++ic) {
        Vec wv[V];
        wv[0] = I::load(m0, wt + ic * t.n);
        if (V > 1) wv[V - 1] = I::load(m1, wt + ic * t.n + I::L);
        KILN_UNROLL for (int p = 0; p < P; ++p) {
          const Vec b = I::set1(xt[p * t.step + ic]);
          KILN_UNROLL for (int v = 0; v < V; ++v) acc[p][v] = I::fma(b, wv[v], acc[p][v]);
        }
      }
    }
  }
  KILN_UNROLL for (int p = 0; p < P; ++p) {
    I::store(y + p * t.n, m0, acc[p][0]);
    if (V > 1) I::store(y + p * t.n + I::L, m1, acc[p][V - 1]);
  }
}

template <typename I>
void outer_row(const ConvGeometry& g, const float* xrow, int64_t row_floats, const float* w, float* y) {
  const Taps t = taps_of(g, row_floats);
  for (int64_t o = 0; o < t.n; o += 2 * I::L) {
    const int64_t left = t.n - o;
    const typename I::M m0 = I::mask(left), m1 = I::mask(left - I::L);
    balanced_blocks(g.out_w, I::kOuterPixels, [&](int64_t p0, int64_t count) {
      with_count<I::kOuterPixels>(count, [&](auto p) {
        constexpr int P = decltype(p)::value;
        if (left > I::L) outer_block<I, P, 2>(t, xrow + p0 * t.step, w + o, y + p0 * t.n + o, m0, m1);
        else outer_block<I, P, 1>(t, xrow + p0 * t.step, w + o, y + p0 * t.n + o, m0, m1);
      });
    });
  }
}

// ---- dot: y[p * y_step] = sum over taps and channels of x[p * step + tap][c] * w[tap][c]
// for one output channel.
template <typename I, int P>
void dot_block(const Taps& t, const float* x, const float* w, float* y, int64_t y_step) {
  using Vec = typename I::V;
  Vec acc[P];
  KILN_UNROLL for (int p = 0; p < P; ++p) acc[p] = I::zero();
  for (int64_t kh = 0; kh < t.fh; ++kh) {
    for (int64_t kw = 0; kw < t.fw; ++kw) {
      const float* xt = x + kh * t.row + kw * t.col;
      const float* wt = w + kh * t.w_row + kw * t.w_col;
      int64_t c = 0;
      for (; c + I::L <= t.c; c += I::L) {
        const Vec wv = I::loadu(wt + c);
        KILN_UNROLL for (int p = 0; p < P; ++p) acc[p] = I::fma(I::loadu(xt + p * t.step + c), wv, acc[p]);
      }
      if (c < t.c) {
        const typename I::M m = I::mask(t.c - c);
        const Vec wv = I::load(m, wt + c);
        KILN_UNROLL for (int p = 0; p < P; ++p) acc[p] = I::fma(I::load(m, xt + p * t.step + c), wv, acc[p]);
      }
    }
  }
  I::template store_sums<P>(acc, y, y_step);
}

// The same for pixels side by side (unit stride and dilation along the row): x column q
// feeds pixel q - kw through tap kw, so each x vector is loaded once per tap row rather
// than FW times.
template <typename I, int P, int FW>
void dot_row_block(const Taps& t, const float* x, const float* w, float* y, int64_t y_step) {
  using Vec = typename I::V;
  Vec acc[P];
  KILN_UNROLL for (int p = 0; p < P; ++p) acc[p] = I::zero();
  auto taps = [&](const float* xr, const float* wr, auto load) {
    Vec wv[FW];
    KILN_UNROLL for (int kw = 0; kw < FW; ++kw) wv[kw] = load(wr + kw * t.w_col);
    KILN_UNROLL for (int q = 0; q < P + FW - 1; ++q) {
      const Vec xv = load(xr + q * t.c);
      KILN_UNROLL for (int kw = 0; kw < FW; ++kw) {
        if (q - kw >= 0 && q - kw < P) acc[q - kw] = I::fma(xv, wv[kw], acc[q - kw]);
      }
    }
  };
  for (int64_t kh = 0; kh < t.fh; ++kh) {
    const float* xr = x + kh * t.row;
    const float* wr = w + kh * t.w_row;
    int64_t c = 0;
    for (; c + I::L <= t.c; c += I::L) taps(xr + c, wr + c, [](const float* p) { return I::loadu(p); });
    if (c < t.c) {
      const typename I::M m = I::mask(t.c - c);
      taps(xr + c, wr + c, [m](const float* p) { return I::load(m, p); });
    }
  }
  I::template store_sums<P>(acc, y, y_step);
}

struct Range {
  int64_t lo, hi;
};

// Taps [lo, hi) of a window starting at `start` that land inside [0, in).
inline Range clip_taps(int64_t start, int64_t filter, int64_t dilation, int64_t in) {
  const int64_t lo = start >= 0 ? 0 : (-start + dilation - 1) / dilation;
  return Range{lo, hi_of(lo, lo_of(filter, (in - start + dilation - 1) / dilation))};
}

// Outputs [lo, hi) whose whole window lies inside the input.
inline Range whole_windows(int64_t pad, int64_t stride, int64_t in, int64_t eff, int64_t out) {
  const int64_t lo = lo_of(out, (pad + stride - 1) / stride), last = in - eff + pad;
  return Range{lo, hi_of(lo, lo_of(out, last < 0 ? 0 : last / stride + 1))};
}

template <typename I>
void dot_rows(const ConvGeometry& g, const float* ximg, int64_t oh0, int64_t oh1, const float* w, float* yimg) {
  // x has many channels here, so it is read in place (a padded copy would cost as much as
  // the math); windows that leave the input are clipped instead. Blocks of pixels share
  // one clipped tap range: whole-window pixels run along rows, pixels of an edge column
  // down the column, so only corners run alone.
  const Taps t = taps_of(g, g.in_w * g.in_c);
  const Range rows_in = whole_windows(g.pad_top, g.stride_h, g.in_h, g.eff_filter_h(), g.out_h);
  const Range cols_in = whole_windows(g.pad_left, g.stride_w, g.in_w, g.eff_filter_w(), g.out_w);
  const int64_t row_out = g.out_w * t.n, row_step = g.stride_h * g.in_w * t.c;

  // `count` pixels from (oh, ow), `down` a column or along a row, output channel j.
  auto block = [&](int64_t j, int64_t oh, int64_t ow, int64_t count, bool down) {
    const int64_t ih = oh * g.stride_h - g.pad_top, iw = ow * g.stride_w - g.pad_left;
    const Range kh = clip_taps(ih, g.filter_h, g.dilation_h, g.in_h);
    const Range kw = clip_taps(iw, g.filter_w, g.dilation_w, g.in_w);
    Taps e = t;
    e.fh = kh.hi - kh.lo;
    e.fw = kw.hi - kw.lo;
    e.step = down ? row_step : t.step;
    const float* x = ximg + ((ih + kh.lo * g.dilation_h) * g.in_w + iw + kw.lo * g.dilation_w) * t.c;
    const float* wp = w + kh.lo * t.w_row + kw.lo * t.w_col + j * t.c;
    float* y = yimg + oh * row_out + ow * t.n + j;
    const bool side_by_side = !down && g.stride_w == 1 && g.dilation_w == 1;
    with_count<I::kDotPixels>(count, [&](auto p) {
      constexpr int P = decltype(p)::value;
      if (side_by_side && e.fw == 3) dot_row_block<I, P, 3>(e, x, wp, y, t.n);
      else if (side_by_side && e.fw == 5) dot_row_block<I, P, 5>(e, x, wp, y, t.n);
      else if (side_by_side && e.fw == 2) dot_row_block<I, P, 2>(e, x, wp, y, t.n);
      else dot_block<I, P>(e, x, wp, y, down ? row_out : t.n);
    });
  };

  for (int64_t oh = oh0; oh < oh1; ++oh) {
    // The next output row reads a new input row: fetch it now, or the first pixels of
    // that row would stall until the hardware prefetcher caught on.
    const int64_t next = oh * g.stride_h - g.pad_top + g.eff_filter_h() - 1 + g.stride_h;
    if (next >= 0 && next < g.in_h) {
      const char* p = reinterpret_cast<const char*>(ximg + next * g.in_w * t.c);
      for (int64_t b = 0; b < g.in_w * t.c * 4; b += 64) _mm_prefetch(p + b, _MM_HINT_T0);
    }
    const bool row_inside = oh >= rows_in.lo && oh < rows_in.hi;
    for (int64_t j = 0; j < t.n; ++j) {
      balanced_blocks(cols_in.hi - cols_in.lo, I::kDotPixels,
                      [&](int64_t p0, int64_t count) { block(j, oh, cols_in.lo + p0, count, false); });
      if (row_inside) continue;  // its edge columns go down the columns below
      for (int64_t ow = 0; ow < cols_in.lo; ++ow) block(j, oh, ow, 1, false);
      for (int64_t ow = cols_in.hi; ow < g.out_w; ++ow) block(j, oh, ow, 1, false);
    }
  }
  const int64_t r0 = hi_of(oh0, rows_in.lo), r1 = lo_of(oh1, rows_in.hi);
  if (r0 >= r1) return;
  for (int64_t j = 0; j < t.n; ++j) {
    for (int64_t ow = 0; ow < g.out_w; ++ow) {
      if (ow == cols_in.lo) ow = cols_in.hi;
      if (ow >= g.out_w) break;
      balanced_blocks(r1 - r0, I::kDotPixels, [&](int64_t p0, int64_t count) { block(j, r0 + p0, ow, count, true); });
    }
  }
}

// ---- grad: R rows of dw (taps x inC) by V vectors of channels, held in registers over
// every pixel of a band; off[r] locates row r's tap in the band.
template <typename I, int R, int V>
void grad_block(const Taps& t, const float* band, const int64_t* off, int64_t row_step, int64_t rows,
                int64_t cols, const float* dy, float* acc, typename I::M m0, typename I::M m1) {
  using Vec = typename I::V;
  Vec a[R][V];
  KILN_UNROLL for (int r = 0; r < R; ++r) KILN_UNROLL for (int v = 0; v < V; ++v) a[r][v] = I::zero();
  const float* xr[R];
  KILN_UNROLL for (int r = 0; r < R; ++r) xr[r] = band + off[r];
  for (int64_t oh = 0; oh < rows; ++oh) {
    const float* d = dy + oh * cols * t.n;
    int64_t idx = oh * row_step;
    for (int64_t ow = 0; ow < cols; ++ow, idx += t.step, d += t.n) {
      Vec dv[V];
      dv[0] = I::load(m0, d);
      if (V > 1) dv[V - 1] = I::load(m1, d + I::L);
      KILN_UNROLL for (int r = 0; r < R; ++r) {
        const Vec b = I::set1(xr[r][idx]);
        KILN_UNROLL for (int v = 0; v < V; ++v) a[r][v] = I::fma(b, dv[v], a[r][v]);
      }
    }
  }
  KILN_UNROLL for (int r = 0; r < R; ++r) {
    float* o = acc + r * t.n;
    I::store(o, m0, I::add(a[r][0], I::load(m0, o)));
    if (V > 1) I::store(o + I::L, m1, I::add(a[r][V - 1], I::load(m1, o + I::L)));
  }
}

template <typename I>
void grad_band(const ConvGeometry& g, const float* band, int64_t row_floats, int64_t out_rows, const float* dy,
               float* acc) {
  const Taps t = taps_of(g, row_floats);
  const int64_t k_len = g.filter_h * g.filter_w * g.in_c, row_step = g.stride_h * row_floats;
  for (int64_t k0 = 0; k0 < k_len; k0 += I::kGradRows) {
    const int64_t rows = lo_of(I::kGradRows, k_len - k0);
    int64_t off[I::kGradRows];
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t k = k0 + r, kh = k / (t.fw * t.c), kw = (k / t.c) % t.fw, ic = k % t.c;
      off[r] = kh * t.row + kw * t.col + ic;
    }
    for (int64_t o = 0; o < t.n; o += 2 * I::L) {
      const int64_t left = t.n - o;
      const typename I::M m0 = I::mask(left), m1 = I::mask(left - I::L);
      with_count<I::kGradRows>(rows, [&](auto r) {
        constexpr int R = decltype(r)::value;
        if (left > I::L)
          grad_block<I, R, 2>(t, band, off, row_step, out_rows, g.out_w, dy + o, acc + k0 * t.n + o, m0, m1);
        else
          grad_block<I, R, 1>(t, band, off, row_step, out_rows, g.out_w, dy + o, acc + k0 * t.n + o, m0, m1);
      });
    }
  }
}

template <typename I>
const ConvKernels& direct_kernels() {
  static const ConvKernels k{outer_row<I>, dot_rows<I>, grad_band<I>};
  return k;
}

}  // namespace
}  // namespace kiln::detail
