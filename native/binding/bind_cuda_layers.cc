// The kiln-cuda layout, convolution, pooling and matmul kernels on device buffers
// (kiln/cuda_kernels.h); stream first, sizes checked against the buffers.
// cudaTranspose(stream, x, xShape, perm, y)      cudaTile(stream, x, xShape, reps, y)
// cudaSlice(stream, x, xShape, begin, size, y)   cudaFill(stream, y, n, value, dtype)
// cudaGather(stream, x, outer, axisSize, inner, indices, nIndices, y)
// cudaOneHot(stream, indices, n, depth, on, off, y)
// cudaConv2D(stream, x, filter, y, geom)  cudaConv2DBackpropInput(stream, dy, filter, dx, geom)
// cudaConv2DBackpropFilter(stream, x, dy, dw, geom)    geom: Int32Array(15), kiln/conv.h
// cudaMaxPool / cudaAvgPool(stream, x, y, geom)         geom: Int32Array(12), kiln/pool.h
// cudaMaxPoolGrad(stream, dy, x, dx, geom)  cudaAvgPoolGrad(stream, dy, dx, geom)
// cudaMatMul(stream, transA, transB, batch, m, n, k, a, b, y): a (b) holding one matrix
// is broadcast to every batch entry.
#include <napi.h>

#include <cstring>
#include <string>

#include "cuda_entry.h"
#include "device_handles.h"
#include "kiln/checked.h"
#include "kiln/conv.h"
#include "kiln/cuda_kernels.h"
#include "kiln/layout.h"
#include "kiln/pool.h"
#include "registry.h"

namespace kiln::binding {
namespace {

#if KILN_HAS_CUDA

template <class T = uint32_t>
T* data_arg(const FastArgs& a, size_t i, const char* name, int64_t n, const char* what) {
  DeviceBlock& b = buffer_arg(a, i, name);
  check_bytes(a, b, checked_mul(n, int64_t(sizeof(T)), a.fn(), what), name, what);
  return static_cast<T*>(b.ptr);
}

int64_t count_arg(const FastArgs& a, size_t i, const char* name) { return a.integer(i, name, 0, kMaxElements); }

napi_value transpose_js(const FastArgs& a) {
  const Shape xs = a.shape(2, "xShape");
  int64_t perm[kMaxRank];
  a.ints(3, "perm", xs.rank, perm);
  cuda::transpose(stream_arg(a, 0), data_arg(a, 1, "x", xs.size(), "xShape"), xs, perm,
                  data_arg(a, 4, "y", xs.size(), "xShape"));
  return nullptr;
}

napi_value tile_js(const FastArgs& a) {
  const Shape xs = a.shape(2, "xShape");
  int64_t reps[kMaxRank];
  a.ints(3, "reps", xs.rank, reps);
  int64_t n = 1;
  for (int d = 0; d < xs.rank; ++d)
    n = checked_mul(n, checked_mul(xs.dims[d], reps[d] < 0 ? 0 : reps[d], a.fn(), "xShape x reps"), a.fn(),
                    "xShape x reps");
  cuda::tile(stream_arg(a, 0), data_arg(a, 1, "x", xs.size(), "xShape"), xs, reps,
             data_arg(a, 4, "y", n, "xShape x reps"));
  return nullptr;
}

napi_value slice_js(const FastArgs& a) {
  const Shape xs = a.shape(2, "xShape");
  int64_t begin[kMaxRank], size[kMaxRank];
  a.ints(3, "begin", xs.rank, begin);
  a.ints(4, "size", xs.rank, size);
  const Shape ys = slice_shape(xs, begin, size);
  cuda::slice(stream_arg(a, 0), data_arg(a, 1, "x", xs.size(), "xShape"), xs, begin, size,
              data_arg(a, 5, "y", ys.size(), "the slice's size"));
  return nullptr;
}

napi_value fill_js(const FastArgs& a) {
  const int64_t n = count_arg(a, 2, "n");
  const double value = a.number(3, "value");
  uint32_t bits;
  if (a.integer(4, "dtype", 0, 1) == 1) {
    bits = static_cast<uint32_t>(static_cast<int32_t>(value));
  } else {
    const float f = static_cast<float>(value);
    std::memcpy(&bits, &f, 4);
  }
  cuda::fill(stream_arg(a, 0), data_arg(a, 1, "y", n, "n"), n, bits);
  return nullptr;
}

napi_value gather_js(const FastArgs& a) {
  const int64_t outer = count_arg(a, 2, "outer"), axis = count_arg(a, 3, "axisSize"), inner = count_arg(a, 4, "inner");
  const int64_t ni = count_arg(a, 6, "nIndices");
  const int64_t nx = checked_product({outer, axis, inner}, a.fn(), "outer x axisSize x inner");
  const int64_t ny = checked_product({outer, ni, inner}, a.fn(), "outer x nIndices x inner");
  cuda::gather(stream_arg(a, 0), data_arg(a, 1, "x", nx, "outer x axisSize x inner"), outer, axis, inner,
               data_arg<int32_t>(a, 5, "indices", ni, "nIndices"), ni, data_arg(a, 7, "y", ny, "outer x nIndices x inner"));
  return nullptr;
}

napi_value one_hot_js(const FastArgs& a) {
  const int64_t n = count_arg(a, 2, "n"), depth = count_arg(a, 3, "depth");
  cuda::one_hot(stream_arg(a, 0), data_arg<int32_t>(a, 1, "indices", n, "n"), n, depth, float(a.number(4, "onValue")),
                float(a.number(5, "offValue")), data_arg<float>(a, 6, "y", checked_mul(n, depth, a.fn(), "n x depth"), "n x depth"));
  return nullptr;
}

// The geometry Int32Array at argument i: exactly `count` entries (`where` documents them).
const int32_t* geometry_arg(const FastArgs& a, size_t i, int count, const char* where) {
  const View<int32_t> v = a.i32(i, "geometry");
  if (v.length != size_t(count))
    throw ShapeError(std::string(a.fn()) + ": geometry has " + std::to_string(v.length) + " entries, expected " +
                     std::to_string(count) + " (" + where + ")");
  return v.data;
}

ConvGeometry conv_geometry(const FastArgs& a, size_t i) {
  return make_conv_geometry(geometry_arg(a, i, kConvGeometrySize, "kiln/conv.h"), a.fn());
}

PoolGeometry pool_geometry(const FastArgs& a, size_t i) {
  return make_pool_geometry(geometry_arg(a, i, kPoolGeometrySize, "kiln/pool.h"), a.fn());
}

// Conv ops: (stream, in0, in1, out, geom) with the tensors' sizes from the geometry.
enum class ConvOp { kForward, kInput, kFilter };

template <ConvOp Op>
napi_value conv_js(const FastArgs& a) {
  const ConvGeometry g = conv_geometry(a, 4);
  cuda::Stream* s = stream_arg(a, 0);
  const int64_t xn = g.x_size(), wn = g.filter_size(), yn = g.y_size();
  if (Op == ConvOp::kForward)
    cuda::conv2d(s, g, data_arg<float>(a, 1, "x", xn, "geometry"), data_arg<float>(a, 2, "filter", wn, "geometry"),
                 data_arg<float>(a, 3, "y", yn, "geometry"));
  else if (Op == ConvOp::kInput)
    cuda::conv2d_backprop_input(s, g, data_arg<float>(a, 1, "dy", yn, "geometry"),
                                data_arg<float>(a, 2, "filter", wn, "geometry"), data_arg<float>(a, 3, "dx", xn, "geometry"));
  else
    cuda::conv2d_backprop_filter(s, g, data_arg<float>(a, 1, "x", xn, "geometry"),
                                 data_arg<float>(a, 2, "dy", yn, "geometry"), data_arg<float>(a, 3, "dw", wn, "geometry"));
  return nullptr;
}

template <bool Max>
napi_value pool_js(const FastArgs& a) {
  const PoolGeometry g = pool_geometry(a, 3);
  const float* x = data_arg<float>(a, 1, "x", g.x_size(), "geometry");
  float* y = data_arg<float>(a, 2, "y", g.y_size(), "geometry");
  if (Max) cuda::max_pool(stream_arg(a, 0), g, x, y);
  else cuda::avg_pool(stream_arg(a, 0), g, x, y);
  return nullptr;
}

napi_value max_pool_grad_js(const FastArgs& a) {
  const PoolGeometry g = pool_geometry(a, 4);
  cuda::max_pool_grad(stream_arg(a, 0), g, data_arg<float>(a, 1, "dy", g.y_size(), "geometry"),
                      data_arg<float>(a, 2, "x", g.x_size(), "geometry"), data_arg<float>(a, 3, "dx", g.x_size(), "geometry"));
  return nullptr;
}

napi_value avg_pool_grad_js(const FastArgs& a) {
  const PoolGeometry g = pool_geometry(a, 3);
  cuda::avg_pool_grad(stream_arg(a, 0), g, data_arg<float>(a, 1, "dy", g.y_size(), "geometry"),
                      data_arg<float>(a, 2, "dx", g.x_size(), "geometry"));
  return nullptr;
}

// One operand of a batched matmul: one matrix (broadcast: stride 0) or `batch` of them.
const float* matrix_arg(const FastArgs& a, size_t i, const char* name, int64_t batch, int64_t one, int64_t* stride) {
  DeviceBlock& b = buffer_arg(a, i, name);
  const int64_t bytes = checked_mul(one, 4, a.fn(), "rows x cols");
  const bool single = b.bytes == size_t(bytes);
  *stride = single ? 0 : one;
  check_bytes(a, b, checked_mul(single ? 1 : batch, bytes, a.fn(), "batch x rows x cols"), name, "batch x rows x cols");
  return static_cast<const float*>(b.ptr);
}

napi_value matmul_js(const FastArgs& a) {
  constexpr int64_t kMaxDim = int64_t(1) << 30;
  GemmShape g;
  g.trans_a = a.boolean(1, "transA"), g.trans_b = a.boolean(2, "transB");
  const int64_t batch = a.integer(3, "batch", 0, kMaxElements);
  g.m = a.integer(4, "m", 0, kMaxDim), g.n = a.integer(5, "n", 0, kMaxDim), g.k = a.integer(6, "k", 0, kMaxDim);
  g.lda = g.trans_a ? g.m : g.k, g.ldb = g.trans_b ? g.k : g.n, g.ldc = g.n;
  int64_t sa, sb;
  const float* pa = matrix_arg(a, 7, "a", batch, checked_mul(g.m, g.k, a.fn(), "m x k"), &sa);
  const float* pb = matrix_arg(a, 8, "b", batch, checked_mul(g.k, g.n, a.fn(), "k x n"), &sb);
  const int64_t mn = checked_mul(g.m, g.n, a.fn(), "m x n");
  float* y = data_arg<float>(a, 9, "y", checked_mul(batch, mn, a.fn(), "batch x m x n"), "batch x m x n");
  cuda::sgemm(stream_arg(a, 0), g, batch, 1.0f, pa, sa, pb, sb, 0.0f, y, mn);
  return nullptr;
}

#endif  // KILN_HAS_CUDA

}  // namespace

void register_cuda_layers(Napi::Env env, Napi::Object exports) {
  define_fast(env, exports, "cudaTranspose", KILN_CUDA_ENTRY(transpose_js));
  define_fast(env, exports, "cudaTile", KILN_CUDA_ENTRY(tile_js));
  define_fast(env, exports, "cudaSlice", KILN_CUDA_ENTRY(slice_js));
  define_fast(env, exports, "cudaFill", KILN_CUDA_ENTRY(fill_js));
  define_fast(env, exports, "cudaGather", KILN_CUDA_ENTRY(gather_js));
  define_fast(env, exports, "cudaOneHot", KILN_CUDA_ENTRY(one_hot_js));
  define_fast(env, exports, "cudaConv2D", KILN_CUDA_ENTRY(conv_js<ConvOp::kForward>));
  define_fast(env, exports, "cudaConv2DBackpropInput", KILN_CUDA_ENTRY(conv_js<ConvOp::kInput>));
  define_fast(env, exports, "cudaConv2DBackpropFilter", KILN_CUDA_ENTRY(conv_js<ConvOp::kFilter>));
  define_fast(env, exports, "cudaMaxPool", KILN_CUDA_ENTRY(pool_js<true>));
  define_fast(env, exports, "cudaAvgPool", KILN_CUDA_ENTRY(pool_js<false>));
  define_fast(env, exports, "cudaMaxPoolGrad", KILN_CUDA_ENTRY(max_pool_grad_js));
  define_fast(env, exports, "cudaAvgPoolGrad", KILN_CUDA_ENTRY(avg_pool_grad_js));
  define_fast(env, exports, "cudaMatMul", KILN_CUDA_ENTRY(matmul_js));
}

KILN_BINDING(register_cuda_layers);

}  // namespace kiln::binding
