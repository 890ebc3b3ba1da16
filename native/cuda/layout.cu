// Data-movement kernels on the GPU (4-byte elements as raw bits, so one kernel serves
// float32 and int32). Transpose, tile and slice are one strided gather: each output
// element walks its coordinates and reads x at sum(coord * stride) (modulo x's dims for
// tile), so writes are coalesced; none of these is on a hot training path that would
// justify shared-memory tiling.
#include <cuda_runtime.h>

#include <string>

#include "kiln/cuda_kernels.h"
#include "kiln/errors.h"
#include "kiln/layout.h"
#include "launch.h"

namespace kiln::cuda {
namespace {

using detail::grid_index;
using detail::grid_stride;

struct Remap {
  int rank;
  int64_t y_dims[kMaxRank];
  int64_t x_dims[kMaxRank];    // tile: coordinates wrap at these
  int64_t x_stride[kMaxRank];  // step in x along each y dim
  int64_t base;                // offset in x of y's first element
  int64_t n;
};

template <bool Wrap>
__global__ void remap_kernel(const uint32_t* __restrict__ x, uint32_t* y, const Remap r) {
  for (int64_t i = grid_index(); i < r.n; i += grid_stride()) {
    int64_t rem = i, src = r.base;
    for (int d = r.rank - 1; d >= 0; --d) {
      int64_t c = rem % r.y_dims[d];
      rem /= r.y_dims[d];
      if (Wrap) c %= r.x_dims[d];
      src += c * r.x_stride[d];
    }
    y[i] = x[src];
  }
}

void strides_of(const Shape& s, int64_t* out) {
  int64_t st = 1;
  for (int d = s.rank - 1; d >= 0; --d) out[d] = st, st *= s.dims[d];
}

template <bool Wrap>
void run_remap(Stream* s, const char* op, const uint32_t* x, uint32_t* y, const Remap& r) {
  if (r.n == 0) return;
  detail::OnStream on(s, op);
  remap_kernel<Wrap><<<detail::blocks_for(r.n), detail::kThreads, 0, on.get()>>>(x, y, r);
  on.launched();
}

std::string list(const int64_t* v, int n) {
  std::string out = "[";
  for (int i = 0; i < n; ++i) out += (i ? "," : "") + std::to_string(v[i]);
  return out + "]";
}

__global__ void fill_kernel(uint32_t* y, int64_t n, uint32_t value) {
  for (int64_t i = grid_index(); i < n; i += grid_stride()) y[i] = value;
}

__global__ void gather_kernel(const uint32_t* __restrict__ x, int64_t axis_size, int64_t inner,
                              const int32_t* __restrict__ indices, int64_t n_indices, uint32_t* y, int64_t n) {
  for (int64_t i = grid_index(); i < n; i += grid_stride()) {
    const int64_t r = i / inner, k = i % inner;
    const int64_t o = r / n_indices, idx = indices[r % n_indices];
    y[i] = idx >= 0 && idx < axis_size ? x[(o * axis_size + idx) * inner + k] : 0u;
  }
}

__global__ void one_hot_kernel(const int32_t* __restrict__ indices, int64_t depth, float on, float off, float* y,
                               int64_t n) {
  for (int64_t i = grid_index(); i < n; i += grid_stride()) y[i] = indices[i / depth] == i % depth ? on : off;
}

}  // namespace

void transpose(Stream* s, const uint32_t* x, const Shape& xs, const int64_t* perm, uint32_t* y) {
  bool seen[kMaxRank] = {};
  for (int d = 0; d < xs.rank; ++d) {
    if (perm[d] < 0 || perm[d] >= xs.rank || seen[perm[d]])
      throw ShapeError("transpose: perm " + list(perm, xs.rank) + " is not a permutation of the " +
                       std::to_string(xs.rank) + " dims of x " + xs.str());
    seen[perm[d]] = true;
  }
  int64_t stride[kMaxRank];
  strides_of(xs, stride);
  Remap r{xs.rank, {}, {}, {}, 0, xs.size()};
  for (int d = 0; d < xs.rank; ++d) r.y_dims[d] = xs.dims[perm[d]], r.x_stride[d] = stride[perm[d]];
  if (xs.rank == 0) r.rank = 0;
  run_remap<false>(s, "transpose", x, y, r);
}

void tile(Stream* s, const uint32_t* x, const Shape& xs, const int64_t* reps, uint32_t* y) {
  Remap r{xs.rank, {}, {}, {}, 0, 1};
  strides_of(xs, r.x_stride);
  for (int d = 0; d < xs.rank; ++d) {
    if (reps[d] < 0) throw ShapeError("tile: reps " + list(reps, xs.rank) + " must be >= 0");
    r.x_dims[d] = xs.dims[d];
    r.y_dims[d] = xs.dims[d] * reps[d];
    r.n *= r.y_dims[d];
  }
  run_remap<true>(s, "tile", x, y, r);
}

void slice(Stream* s, const uint32_t* x, const Shape& xs, const int64_t* begin, const int64_t* size, uint32_t* y) {
  const Shape ys = slice_shape(xs, begin, size);  // validates against x (ShapeError)
  Remap r{xs.rank, {}, {}, {}, 0, ys.size()};
  strides_of(xs, r.x_stride);
  for (int d = 0; d < xs.rank; ++d) r.y_dims[d] = ys.dims[d], r.base += begin[d] * r.x_stride[d];
  run_remap<false>(s, "slice", x, y, r);
}

void fill(Stream* s, uint32_t* y, int64_t n, uint32_t value) {
  if (n < 0) throw ShapeError("fill: n must be >= 0");
  if (n == 0) return;
  detail::OnStream on(s, "fill");
  fill_kernel<<<detail::blocks_for(n), detail::kThreads, 0, on.get()>>>(y, n, value);
  on.launched();
}

void gather(Stream* s, const uint32_t* x, int64_t outer, int64_t axis_size, int64_t inner, const int32_t* indices,
            int64_t n_indices, uint32_t* y) {
  if (outer < 0 || axis_size < 0 || inner < 0 || n_indices < 0)
    throw ShapeError("gather: outer, axisSize, inner and the index count must be >= 0");
  const int64_t n = outer * n_indices * inner;
  if (n == 0) return;
  detail::OnStream on(s, "gather");
  gather_kernel<<<detail::blocks_for(n), detail::kThreads, 0, on.get()>>>(x, axis_size, inner, indices, n_indices, y, n);
  on.launched();
}

void one_hot(Stream* s, const int32_t* indices, int64_t n, int64_t depth, float on_value, float off_value, float* y) {
  if (n < 0 || depth < 0) throw ShapeError("oneHot: n and depth must be >= 0");
  const int64_t total = n * depth;
  if (total == 0) return;
  detail::OnStream on(s, "oneHot");
  one_hot_kernel<<<detail::blocks_for(total), detail::kThreads, 0, on.get()>>>(indices, depth, on_value, off_value, y,
                                                                              total);
  on.launched();
}

}  // namespace kiln::cuda
