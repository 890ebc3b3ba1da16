// Conv2DBackpropFilter: dw[K][outC] = im2col(x)^T * dy, a reduction over every output
// pixel of the batch (batch*outH*outW long: 100k for the first layer of a CNN). Each
// thread sums a contiguous share of the work into its own partial dw; the partials are
// added at the end, so no two threads ever write the same element.
#include <algorithm>
#include <cstring>

#include "conv_kernels.h"
#include "kiln/conv.h"
#include "kiln/sgemm.h"
#include "kiln/thread_pool.h"

namespace kiln {
namespace {

constexpr const char* kOp = "Conv2DBackpropFilter";

thread_local detail::ConvScratch tls_col;       // im2col rows or a padded band
thread_local detail::ConvScratch tls_partials;  // every thread's partial dw (caller's)

// Pixels [begin, end) through im2col (none for a 1x1 stride-1 filter: x is the matrix)
// and sgemm into acc.
void gemm_share(const ConvGeometry& g, const float* x, const float* dy, int64_t begin, int64_t end, float* acc) {
  const int64_t k = g.filter_h * g.filter_w * g.in_c, n = g.out_c;
  const bool pointwise = g.filter_h == 1 && g.filter_w == 1 && g.stride_h == 1 && g.stride_w == 1 &&
                         g.pad_top == 0 && g.pad_left == 0;
  const int64_t rows = std::max<int64_t>(24, (128 * 1024 / 4) / (k + n));
  GemmShape s;
  s.trans_a = true;  // A = col^T: col is stored rows x K
  s.m = k;
  s.n = n;
  s.lda = k;
  s.ldb = n;
  s.ldc = n;
  for (int64_t r0 = begin; r0 < end; r0 += rows) {
    s.k = std::min(rows, end - r0);
    const float* col = x + r0 * k;
    if (!pointwise) {
      float* buf = tls_col.get(static_cast<size_t>(s.k * k), kOp);
      detail::im2col_rows(g, x, r0, s.k, buf);
      col = buf;
    }
    sgemm(s, 1.0f, col, dy + r0 * n, 1.0f, acc);
  }
}

// Bands [begin, end) (numbered image by image) through the register kernel.
void direct_share(const detail::ConvKernels& k, const ConvGeometry& g, const float* x, const float* dy,
                  int64_t band, int64_t begin, int64_t end, float* acc) {
  const int64_t bands = (g.out_h + band - 1) / band, row_floats = detail::band_row_floats(g);
  float* buf = tls_col.get(static_cast<size_t>(((band - 1) * g.stride_h + g.eff_filter_h()) * row_floats), kOp);
  for (int64_t b = begin; b < end; ++b) {
    const int64_t n = b / bands, oh0 = (b % bands) * band, oh1 = std::min(g.out_h, oh0 + band);
    detail::pad_band(g, x, n, oh0, oh1, buf);
    k.grad_band(g, buf, row_floats, oh1 - oh0, dy + (n * g.out_h + oh0) * g.out_w * g.out_c, acc);
  }
}

}  // namespace

void conv2d_backprop_filter(const ConvGeometry& g, const float* x, const float* dy, float* dw) {
  check_conv_geometry(g, kOp);
  const int64_t m = g.batch * g.out_h * g.out_w, size = g.filter_size();
  // A register kernel on padded bands beats im2col + GEMM packing, unless outC is too
  // narrow to fill its vectors.
  const detail::ConvKernels* kernels = detail::conv_direct_kernels();
  const bool direct = kernels != nullptr && g.out_c >= 8;
  // A thread's share must be worth a partial buffer and its reduction.
  const int64_t threads = std::max<int64_t>(1, std::min<int64_t>(available_threads(), m * size >> 16));
  const int64_t band = direct ? detail::band_out_rows(g, threads) : 0;
  const int64_t units = direct ? g.batch * ((g.out_h + band - 1) / band) : m;

  float* partials = threads == 1 ? dw : tls_partials.get(static_cast<size_t>(threads * size), kOp);
  ThreadPool::instance().run(threads, [&](int64_t t) {
    float* acc = partials + t * size;
    std::memset(acc, 0, sizeof(float) * size);
    const int64_t begin = units * t / threads, end = units * (t + 1) / threads;
    if (direct) direct_share(*kernels, g, x, dy, band, begin, end, acc);
    else gemm_share(g, x, dy, begin, end, acc);
  });
  if (threads == 1) return;
  parallel_for(size, 4096, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      float sum = 0.0f;
      for (int64_t t = 0; t < threads; ++t) sum += partials[t * size + i];
      dw[i] = sum;
    }
  });
}

}  // namespace kiln
