// Internals shared by the conv2d*.cc drivers and their register kernels (conv_direct.h,
// built per instruction set). Not installed: the public surface is kiln/conv.h.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "kiln/conv.h"
#include "kiln/errors.h"

namespace kiln::detail {

// Grow-only, 64-byte aligned float buffer; thread_local instances keep kernels that run
// thousands of times per epoch from allocating on every call.
struct ConvScratch {
  float* data = nullptr;
  size_t cap = 0;
  ~ConvScratch() { std::free(data); }
  float* get(size_t floats, const char* op) {
    if (floats > cap) {
      std::free(data);
      size_t bytes = ((floats * sizeof(float) + 63) / 64) * 64;
      data = static_cast<float*>(std::aligned_alloc(64, bytes));
      if (data == nullptr) {
        cap = 0;
        throw NativeError("OUT_OF_MEMORY", op, "cpu", std::string(op) + ": cannot allocate scratch buffer");
      }
      cap = floats;
    }
    return data;
  }
};

// How a forward convolution is computed, and so which layout its packed filter has.
enum class ConvPath {
  kGemm,    // im2col + sgemm; filter [K][outC] (HWIO itself), K = (kh, kw, ic)
  kOuter,   // padded bands, outer products over output channels; filter [K][outC]
  kDot,     // x in place, dot products over input channels (few output channels);
            // filter [tap][outC][inC]
};

struct ConvKernels;

/// A path and the register kernels it runs on, chosen once per call so that a concurrent
/// setSimd cannot switch kernels (or filter layouts) halfway through.
struct ConvPlan {
  ConvPath path;
  const ConvKernels* kernels;  // null for kGemm
};

/// The fastest plan for g at the current SIMD level.
ConvPlan forward_plan(const ConvGeometry& g);

/// Forward convolution with the filter already in the plan's layout.
void conv2d_packed(const ConvGeometry& g, const ConvPlan& plan, const float* x, const float* filter, float* y);

/// Rows of the im2col matrix for output pixels [row0, row0 + rows) (flattened n, oh, ow):
/// col[r][(kh * filterW + kw) * inC + ic], zero where the window leaves the input.
void im2col_rows(const ConvGeometry& g, const float* x, int64_t row0, int64_t rows, float* col);

// Padded bands: the input rows that output rows [oh0, oh1) of one image read, copied with
// zero borders so kernels index every window without bounds checks. Row i of a band is
// input row oh0 * strideH - padTop + i; column j is input column j - padLeft.

/// Floats in one padded row: ((outW - 1) * strideW + effFilterW) * inC.
int64_t band_row_floats(const ConvGeometry& g);
/// Output rows per band: the band stays in L2 and there are >= min_tasks bands in all.
int64_t band_out_rows(const ConvGeometry& g, int64_t min_tasks);
/// Fills buf ((oh1 - oh0 - 1) * strideH + effFilterH rows) with image n's band.
void pad_band(const ConvGeometry& g, const float* x, int64_t n, int64_t oh0, int64_t oh1, float* buf);

/// Register kernels of one instruction set (conv_direct.h). Band rows are row_floats
/// apart; xrow points at the band row of an output row's top tap.
struct ConvKernels {
  /// kOuter, one output row: y[ow][oc] over w [K][outC].
  void (*outer_row)(const ConvGeometry& g, const float* xrow, int64_t row_floats, const float* w, float* y);
  /// kDot, output rows [oh0, oh1) of one image (ximg, yimg unpadded), w [tap][outC][inC].
  void (*dot_rows)(const ConvGeometry& g, const float* ximg, int64_t oh0, int64_t oh1, const float* w,
                   float* yimg);
  /// Filter gradient of a band of out_rows output rows: acc[K][outC] += window(x)^T dy,
  /// dy pointing at the band's first output row.
  void (*grad_band)(const ConvGeometry& g, const float* band, int64_t row_floats, int64_t out_rows,
                    const float* dy, float* acc);
};

const ConvKernels& conv_kernels_avx512();
const ConvKernels& conv_kernels_avx2();
/// The register kernels for the current simd_level(); null at scalar (GEMM paths only).
const ConvKernels* conv_direct_kernels();

}  // namespace kiln::detail
