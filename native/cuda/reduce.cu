// Reductions, arg-reductions and softmax on the GPU, over x viewed as [outer, size,
// inner] like the CPU kernels. Float sums and products accumulate in double (so the
// result is the correctly rounded sum to within the CPU kernel's own error), max/min
// propagate NaN, arg-reductions follow tfjs's sequential scan (first index of the
// extreme; a leading NaN wins, later NaNs never do).
//
// Work is split along the reduced axis when there are too few outputs to fill the GPU
// (a full sum, a bias gradient over a large batch): a first pass writes per-chunk
// partials to scratch memory from the caching allocator, a second combines them.
#include <cuda_runtime.h>

#include <string>
#include <type_traits>

#include "kiln/cuda_kernels.h"
#include "kiln/errors.h"
#include "launch.h"

namespace kiln::cuda {
namespace {

using detail::grid_index;
using detail::grid_stride;

constexpr int kCols = 32;     // columns per block of the column kernel
constexpr int kRowLanes = 8;  // rows in flight per column
constexpr int64_t kTargetBlocks = 528;

template <class T>
struct Acc;
template <>
struct Acc<float> {
  using type = double;
};
template <>
struct Acc<int32_t> {
  // Signed, so max/min compare right; sums cannot overflow 64 bits, products multiply
  // unsigned (below), and the final narrowing keeps the low 32 bits: int32 sums and
  // products wrap modulo 2^32, as they do in tfjs's Int32Array.
  using type = int64_t;
};

template <class A>
__device__ __forceinline__ A identity(int op) {
  return op == int(ReduceOp::kProd) ? A(1) : A(0);
}

template <class A>
__device__ __forceinline__ A combine(int op, A a, A b) {
  switch (static_cast<ReduceOp>(op)) {
    case ReduceOp::kMax: return (b > a || b != b) ? b : a;  // NaN propagates (b != b only for floats)
    case ReduceOp::kMin: return (b < a || b != b) ? b : a;
    case ReduceOp::kProd:
      if constexpr (std::is_integral_v<A>) return A(static_cast<unsigned long long>(a) * static_cast<unsigned long long>(b));
      else return a * b;
    default: return a + b;
  }
}

// Max/min start from the first element instead of an identity, so they need no infinities.
template <class A, class T>
__device__ __forceinline__ A start(int op, const T* first) {
  return op == int(ReduceOp::kMax) || op == int(ReduceOp::kMin) ? A(*first) : identity<A>(op);
}

template <class A>
__device__ __forceinline__ A warp_combine(int op, A v) {
  for (int o = 16; o > 0; o /= 2) v = combine(op, v, __shfl_down_sync(0xffffffffu, v, o));
  return v;
}

// Combines one value per thread of the block; the result is valid in thread 0.
template <class A>
__device__ A block_combine(int op, A v) {
  __shared__ A lanes[32];
  v = warp_combine(op, v);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  __syncthreads();  // lanes may still be read by a previous call
  if (lane == 0) lanes[warp] = v;
  __syncthreads();
  if (warp == 0) {
    const int warps = blockDim.x / 32;
    v = lane < warps ? lanes[lane] : lanes[0];  // lanes[0] again: harmless for max/min, fixed below for sums
    if (lane >= warps) v = (op == int(ReduceOp::kMax) || op == int(ReduceOp::kMin)) ? v : identity<A>(op);
    v = warp_combine(op, v);
  }
  return v;
}

template <class T, class A>
__device__ __forceinline__ T finish(int op, A v, int64_t size) {
  if constexpr (std::is_integral_v<T>) return T(static_cast<uint32_t>(static_cast<unsigned long long>(v)));
  else return op == int(ReduceOp::kMean) ? T(double(v) / double(size)) : T(v);
}

// inner == 1: block (chunk, row) reduces x[row, chunk range]; partials or final values.
template <class T>
__global__ void row_kernel(int op, const T* __restrict__ x, int64_t outer, int64_t size, int64_t chunk,
                           typename Acc<T>::type* partial, T* y) {
  using A = typename Acc<T>::type;
  const int64_t chunks = gridDim.x;
  for (int64_t r = blockIdx.y; r < outer; r += gridDim.y) {
    const T* row = x + r * size;
    const int64_t b = blockIdx.x * chunk, e = min(size, b + chunk);
    A v = start<A>(op, row + b);
    for (int64_t s = b + threadIdx.x; s < e; s += blockDim.x) v = combine(op, v, A(row[s]));
    v = block_combine(op, v);
    if (threadIdx.x == 0) {
      if (partial) partial[r * chunks + blockIdx.x] = v;
      else y[r] = finish<T>(op, v, size);
    }
  }
}

// inner > 1: block (column tile, chunk, outer) reduces 32 columns over a chunk of rows,
// kRowLanes rows at a time (coalesced along the columns).
template <class T>
__global__ void col_kernel(int op, const T* __restrict__ x, int64_t outer, int64_t size, int64_t inner,
                           int64_t chunk, typename Acc<T>::type* partial, T* y) {
  using A = typename Acc<T>::type;
  __shared__ A part[kRowLanes][kCols];
  const int tx = threadIdx.x % kCols, ty = threadIdx.x / kCols;
  const int64_t j = blockIdx.x * int64_t(kCols) + tx;
  const int64_t chunks = gridDim.y, c = blockIdx.y;
  const int64_t b = c * chunk, e = min(size, b + chunk);
  for (int64_t o = blockIdx.z; o < outer; o += gridDim.z) {
    const T* base = x + o * size * inner;
    A v = j < inner ? start<A>(op, base + b * inner + j) : A(0);
    if (j < inner)
      for (int64_t s = b + ty; s < e; s += kRowLanes) v = combine(op, v, A(base[s * inner + j]));
    __syncthreads();
    part[ty][tx] = v;
    __syncthreads();
    if (ty == 0 && j < inner) {
      for (int l = 1; l < kRowLanes; ++l) v = combine(op, v, part[l][tx]);
      if (partial) partial[(o * chunks + c) * inner + j] = v;
      else y[o * inner + j] = finish<T>(op, v, size);
    }
  }
}

// Combines the chunks' partials [outer][chunks][inner] into y [outer][inner].
template <class T>
__global__ void combine_kernel(int op, const typename Acc<T>::type* __restrict__ partial, int64_t outer,
                               int64_t chunks, int64_t inner, int64_t size, T* y) {
  using A = typename Acc<T>::type;
  for (int64_t i = grid_index(); i < outer * inner; i += grid_stride()) {
    const int64_t o = i / inner, j = i % inner;
    A v = partial[o * chunks * inner + j];
    for (int64_t c = 1; c < chunks; ++c) v = combine(op, v, partial[(o * chunks + c) * inner + j]);
    y[i] = finish<T>(op, v, size);
  }
}

template <class T>
__global__ void fill_kernel(T* y, int64_t n, T value) {
  for (int64_t i = grid_index(); i < n; i += grid_stride()) y[i] = value;
}

void check_view(const char* op, int64_t outer, int64_t size, int64_t inner) {
  if (outer < 0 || size < 0 || inner < 0)
    throw ShapeError(std::string(op) + ": outer, size and inner must be >= 0");
}

unsigned grid_dim(int64_t n) { return static_cast<unsigned>(std::min<int64_t>(std::max<int64_t>(n, 1), 65535)); }

template <class T>
void reduce_any(Stream* s, ReduceOp op, const T* x, int64_t outer, int64_t size, int64_t inner, T* y, T empty) {
  using A = typename Acc<T>::type;
  check_view("reduce", outer, size, inner);
  if (outer * inner == 0) return;
  detail::OnStream on(s, "reduce");
  const int o = int(op);
  if (size == 0) {
    fill_kernel<<<detail::blocks_for(outer * inner), detail::kThreads, 0, on.get()>>>(y, outer * inner, empty);
    on.launched();
    return;
  }
  const bool rows = inner == 1;
  const int64_t tiles = rows ? outer : outer * ((inner + kCols - 1) / kCols);
  const int64_t min_chunk = rows ? 4096 : 256;
  int64_t chunks = std::min<int64_t>((size + min_chunk - 1) / min_chunk, std::max<int64_t>(1, kTargetBlocks / tiles));
  const int64_t chunk = (size + chunks - 1) / chunks;
  chunks = (size + chunk - 1) / chunk;
  A* partial = chunks > 1 ? static_cast<A*>(device_alloc(s, size_t(outer * chunks * inner) * sizeof(A), "reduce"))
                          : nullptr;
  if (rows) {
    row_kernel<T><<<dim3(unsigned(chunks), grid_dim(outer)), detail::kThreads, 0, on.get()>>>(o, x, outer, size, chunk,
                                                                                             partial, y);
  } else {
    const dim3 grid(unsigned((inner + kCols - 1) / kCols), unsigned(chunks), grid_dim(outer));
    col_kernel<T><<<grid, kCols * kRowLanes, 0, on.get()>>>(o, x, outer, size, inner, chunk, partial, y);
  }
  if (partial) {
    combine_kernel<T><<<detail::blocks_for(outer * inner), detail::kThreads, 0, on.get()>>>(o, partial, outer, chunks,
                                                                                           inner, size, y);
    device_free(partial);  // stream-ordered: the next user of the block runs after combine_kernel
  }
  on.launched();
}

// ---- arg-reductions -------------------------------------------------------------------

template <bool Max, class T>
__device__ __forceinline__ bool better(T v, int32_t i, T best, int32_t bi) {
  return (Max ? v > best : v < best) || (v == best && i < bi);
}

template <bool Max, class T>
__global__ void arg_row_kernel(const T* __restrict__ x, int64_t outer, int64_t size, int32_t* y) {
  __shared__ T vals[32];
  __shared__ int32_t idxs[32];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  for (int64_t r = blockIdx.x; r < outer; r += gridDim.x) {
    const T* row = x + r * size;
    // Every thread starts from (x[0], 0): tfjs's scan starts there, and only strictly
    // better values move it, so a NaN at 0 stays and later NaNs never win.
    T best = row[0];
    int32_t bi = 0;
    for (int64_t s = threadIdx.x; s < size; s += blockDim.x)
      if (Max ? row[s] > best : row[s] < best) best = row[s], bi = int32_t(s);
    for (int o = 16; o > 0; o /= 2) {
      const T v = __shfl_down_sync(0xffffffffu, best, o);
      const int32_t i = __shfl_down_sync(0xffffffffu, bi, o);
      if (better<Max>(v, i, best, bi)) best = v, bi = i;
    }
    __syncthreads();
    if (lane == 0) vals[warp] = best, idxs[warp] = bi;
    __syncthreads();
    if (threadIdx.x == 0) {
      for (int w = 1; w < int(blockDim.x / 32); ++w)
        if (better<Max>(vals[w], idxs[w], best, bi)) best = vals[w], bi = idxs[w];
      y[r] = bi;
    }
  }
}

template <bool Max, class T>
__global__ void arg_col_kernel(const T* __restrict__ x, int64_t outer, int64_t size, int64_t inner, int32_t* y) {
  for (int64_t i = grid_index(); i < outer * inner; i += grid_stride()) {
    const T* p = x + (i / inner) * size * inner + i % inner;
    T best = p[0];
    int32_t bi = 0;
    for (int64_t s = 1; s < size; ++s) {
      const T v = p[s * inner];
      if (Max ? v > best : v < best) best = v, bi = int32_t(s);
    }
    y[i] = bi;
  }
}

template <class T>
void arg_any(Stream* s, ArgReduceOp op, const T* x, int64_t outer, int64_t size, int64_t inner, int32_t* y) {
  check_view("argReduce", outer, size, inner);
  if (outer * inner == 0) return;
  if (size < 1 || size > INT32_MAX)
    throw ShapeError("argReduce: size must be in [1, 2^31 - 1], got " + std::to_string(size));
  detail::OnStream on(s, "argReduce");
  const bool max = op == ArgReduceOp::kArgMax;
  if (inner == 1) {
    const unsigned blocks = unsigned(std::min<int64_t>(outer, 65535));
    const int threads = size >= 256 ? 256 : 32;
    if (max) arg_row_kernel<true, T><<<blocks, threads, 0, on.get()>>>(x, outer, size, y);
    else arg_row_kernel<false, T><<<blocks, threads, 0, on.get()>>>(x, outer, size, y);
  } else {
    const unsigned blocks = detail::blocks_for(outer * inner);
    if (max) arg_col_kernel<true, T><<<blocks, detail::kThreads, 0, on.get()>>>(x, outer, size, inner, y);
    else arg_col_kernel<false, T><<<blocks, detail::kThreads, 0, on.get()>>>(x, outer, size, inner, y);
  }
  on.launched();
}

// ---- softmax --------------------------------------------------------------------------

// One warp per row: max (NaN propagates), sum of e^(x - max) in double, then the
// outputs, with the CPU kernel's roundings (the sum rounded to float before use).
template <bool Log>
__global__ void softmax_kernel(const float* __restrict__ x, int64_t rows, int64_t cols, float* y) {
  const int lane = threadIdx.x % 32;
  const int64_t warps = int64_t(gridDim.x) * (blockDim.x / 32);
  for (int64_t r = blockIdx.x * int64_t(blockDim.x / 32) + threadIdx.x / 32; r < rows; r += warps) {
    const float* xr = x + r * cols;
    float* yr = y + r * cols;
    float mx = xr[0];
    for (int64_t c = lane; c < cols; c += 32) mx = (xr[c] > mx || xr[c] != xr[c]) ? xr[c] : mx;
    for (int o = 16; o > 0; o /= 2) {
      const float v = __shfl_xor_sync(0xffffffffu, mx, o);
      mx = (v > mx || v != v) ? v : mx;
    }
    double sum = 0.0;
    for (int64_t c = lane; c < cols; c += 32) sum += double(expf(xr[c] - mx));
    for (int o = 16; o > 0; o /= 2) sum += __shfl_xor_sync(0xffffffffu, sum, o);
    const float total = float(sum);
    if (Log) {
      const float ls = float(log(double(total)));
      for (int64_t c = lane; c < cols; c += 32) yr[c] = (xr[c] - mx) - ls;
    } else {
      for (int64_t c = lane; c < cols; c += 32) yr[c] = expf(xr[c] - mx) / total;
    }
  }
}

template <bool Log>
void softmax_any(Stream* s, const float* x, int64_t rows, int64_t cols, float* y) {
  if (rows < 0 || cols < 0) throw ShapeError("softmax: rows and cols must be >= 0");
  if (rows == 0 || cols == 0) return;
  detail::OnStream on(s, "softmax");
  softmax_kernel<Log><<<detail::blocks_for(rows * 32), detail::kThreads, 0, on.get()>>>(x, rows, cols, y);
  on.launched();
}

}  // namespace

void reduce(Stream* s, ReduceOp op, const float* x, int64_t outer, int64_t size, int64_t inner, float* y) {
  const float nan = __builtin_nanf("");
  reduce_any<float>(s, op, x, outer, size, inner, y,
                    op == ReduceOp::kSum ? 0.0f : op == ReduceOp::kProd ? 1.0f : nan);
}

void reduce(Stream* s, ReduceOp op, const int32_t* x, int64_t outer, int64_t size, int64_t inner, int32_t* y) {
  if (op == ReduceOp::kMean) throw ShapeError("reduce: Mean needs float32 data (tfjs means are float)");
  reduce_any<int32_t>(s, op, x, outer, size, inner, y, op == ReduceOp::kProd ? 1 : 0);
}

void arg_reduce(Stream* s, ArgReduceOp op, const float* x, int64_t outer, int64_t size, int64_t inner, int32_t* y) {
  arg_any(s, op, x, outer, size, inner, y);
}

void arg_reduce(Stream* s, ArgReduceOp op, const int32_t* x, int64_t outer, int64_t size, int64_t inner,
                int32_t* y) {
  arg_any(s, op, x, outer, size, inner, y);
}

void softmax(Stream* s, const float* x, int64_t rows, int64_t cols, float* y) { softmax_any<false>(s, x, rows, cols, y); }

void log_softmax(Stream* s, const float* x, int64_t rows, int64_t cols, float* y) {
  softmax_any<true>(s, x, rows, cols, y);
}

}  // namespace kiln::cuda
