// The kiln-cuda elementwise, reduction, nn and optimizer kernels on device buffers
// (kiln/cuda_kernels.h). Every function takes the stream first; sizes are checked
// against the buffers' byte sizes (RangeError), then the kernel is queued.
// cudaUnary(stream, op, x, y, n, alpha, beta)
// cudaBinary(stream, op, a, aShape, b, bShape, y, yShape)     a, b: buffer or number
// cudaCompare(stream, op, dtype, a, aShape, b, bShape, y, yShape)  dtype 0 float32, 1 int32
// cudaLogical(stream, op, a, aShape, b, bShape, y, yShape)    cudaLogicalNot(stream, x, y, n)
// cudaSelect(stream, cond, condN, a, b, y, n)                 cudaCast(stream, from, x, to, y, n)
// cudaReduce / cudaArgReduce(stream, op, dtype, x, outer, size, inner, y)
// cudaSoftmax(stream, x, rows, cols, y, log)
// cudaBatchNorm(stream, x, channels, mean, variance, offset?, scale?, epsilon, y)
// cudaBiasAct(stream, y, rows, cols, bias?, act, alpha)
// cudaSgdUpdate(stream, v, g, lr)   cudaMomentumUpdate(stream, v, g, accum, lr, momentum, nesterov)
// cudaAdamUpdate(stream, v, g, m, s, lr, beta1, beta2, eps, beta1Power, beta2Power)
// cudaRmspropUpdate(stream, v, g, ms, mom, mg?, lr, decay, momentum, eps, centered)
#include <napi.h>

#include "cuda_entry.h"
#include "device_handles.h"
#include "kiln/checked.h"
#include "kiln/cuda_kernels.h"
#include "kiln/elementwise.h"
#include "kiln/reduce.h"
#include "registry.h"

namespace kiln::binding {
namespace {

#if KILN_HAS_CUDA

int64_t count_arg(const FastArgs& a, size_t i, const char* name) { return a.integer(i, name, 0, kMaxElements); }

// A buffer holding at least n elements of `width` bytes.
template <class T = float>
T* data_arg(const FastArgs& a, size_t i, const char* name, int64_t n, const char* what, int64_t width = sizeof(T)) {
  DeviceBlock& b = buffer_arg(a, i, name);
  check_bytes(a, b, checked_mul(n, width, a.fn(), what), name, what);
  return static_cast<T*>(b.ptr);
}

template <class T>
cuda::Operand<T> operand_arg(const FastArgs& a, size_t i, const char* name, const Shape& shape) {
  cuda::Operand<T> o;
  napi_valuetype t;
  if (napi_typeof(a.env(), a.raw(i), &t) == napi_ok && t == napi_number) {
    o.value = static_cast<T>(a.number(i, name));
    return o;
  }
  o.data = data_arg<T>(a, i, name, shape.size(), "its shape");
  return o;
}

struct Broadcast {
  Shape as, bs, ys;
};

// The shapes of a broadcasting call whose operands sit at i and i + 2 and output at i + 4.
Broadcast shapes(const FastArgs& a, size_t i) {
  return {a.shape(i + 1, "aShape"), a.shape(i + 3, "bShape"), a.shape(i + 5, "yShape")};
}

napi_value unary_js(const FastArgs& a) {
  cuda::Stream* s = stream_arg(a, 0);
  const int op = a.op(1, kUnaryOpCount);
  const int64_t n = count_arg(a, 4, "n");
  const float* x = data_arg(a, 2, "x", n, "n");
  float* y = data_arg(a, 3, "y", n, "n");
  cuda::unary(s, UnaryOp(op), x, y, n, float(a.number(5, "alpha")), float(a.number(6, "beta")));
  return nullptr;
}

napi_value binary_js(const FastArgs& a) {
  cuda::Stream* s = stream_arg(a, 0);
  const int op = a.op(1, kBinaryOpCount);
  const Broadcast b = shapes(a, 2);
  const auto x = operand_arg<float>(a, 2, "a", b.as), z = operand_arg<float>(a, 4, "b", b.bs);
  cuda::binary(s, BinaryOp(op), x, b.as, z, b.bs, data_arg(a, 6, "y", b.ys.size(), "yShape"), b.ys);
  return nullptr;
}

napi_value compare_js(const FastArgs& a) {
  cuda::Stream* s = stream_arg(a, 0);
  const int op = a.op(1, kCompareOpCount);
  const bool ints = a.integer(2, "dtype", 0, 1) == 1;
  const Broadcast b = shapes(a, 3);
  uint8_t* y = data_arg<uint8_t>(a, 7, "y", b.ys.size(), "yShape");
  if (ints)
    cuda::compare(s, CompareOp(op), operand_arg<int32_t>(a, 3, "a", b.as), b.as, operand_arg<int32_t>(a, 5, "b", b.bs),
                  b.bs, y, b.ys);
  else
    cuda::compare(s, CompareOp(op), operand_arg<float>(a, 3, "a", b.as), b.as, operand_arg<float>(a, 5, "b", b.bs), b.bs,
                  y, b.ys);
  return nullptr;
}

napi_value logical_js(const FastArgs& a) {
  cuda::Stream* s = stream_arg(a, 0);
  const int op = a.op(1, kLogicalOpCount);
  const Broadcast b = shapes(a, 2);
  cuda::logical(s, LogicalOp(op), data_arg<uint8_t>(a, 2, "a", b.as.size(), "aShape"), b.as,
                data_arg<uint8_t>(a, 4, "b", b.bs.size(), "bShape"), b.bs,
                data_arg<uint8_t>(a, 6, "y", b.ys.size(), "yShape"), b.ys);
  return nullptr;
}

napi_value logical_not_js(const FastArgs& a) {
  cuda::Stream* s = stream_arg(a, 0);
  const int64_t n = count_arg(a, 3, "n");
  cuda::logical_not(s, data_arg<uint8_t>(a, 1, "x", n, "n"), data_arg<uint8_t>(a, 2, "y", n, "n"), n);
  return nullptr;
}

napi_value select_js(const FastArgs& a) {
  cuda::Stream* s = stream_arg(a, 0);
  const int64_t cond_n = count_arg(a, 2, "condN"), n = count_arg(a, 6, "n");
  cuda::select(s, data_arg<uint8_t>(a, 1, "cond", cond_n, "condN"), cond_n, data_arg<uint32_t>(a, 3, "a", n, "n"),
               data_arg<uint32_t>(a, 4, "b", n, "n"), data_arg<uint32_t>(a, 5, "y", n, "n"), n);
  return nullptr;
}

DType dtype_arg(const FastArgs& a, size_t i, const char* name) { return DType(a.integer(i, name, 0, 2)); }
int64_t width(DType t) { return t == DType::kBool ? 1 : 4; }

napi_value cast_js(const FastArgs& a) {
  cuda::Stream* s = stream_arg(a, 0);
  const DType from = dtype_arg(a, 1, "from"), to = dtype_arg(a, 3, "to");
  const int64_t n = count_arg(a, 5, "n");
  cuda::cast(s, from, data_arg<void>(a, 2, "x", n, "n", width(from)), to, data_arg<void>(a, 4, "y", n, "n", width(to)),
             n);
  return nullptr;
}

struct View3 {
  int64_t outer, size, inner;
};

View3 view_arg(const FastArgs& a, size_t i) {
  return {count_arg(a, i, "outer"), count_arg(a, i + 1, "size"), count_arg(a, i + 2, "inner")};
}

napi_value reduce_js(const FastArgs& a) {
  cuda::Stream* s = stream_arg(a, 0);
  const auto op = ReduceOp(a.op(1, kReduceOpCount));
  const bool ints = a.integer(2, "dtype", 0, 1) == 1;
  const View3 v = view_arg(a, 4);
  const int64_t nx = checked_product({v.outer, v.size, v.inner}, a.fn(), "outer x size x inner"),
                ny = checked_mul(v.outer, v.inner, a.fn(), "outer x inner");
  if (ints)
    cuda::reduce(s, op, data_arg<int32_t>(a, 3, "x", nx, "outer x size x inner"), v.outer, v.size, v.inner,
                 data_arg<int32_t>(a, 7, "y", ny, "outer x inner"));
  else
    cuda::reduce(s, op, data_arg(a, 3, "x", nx, "outer x size x inner"), v.outer, v.size, v.inner,
                 data_arg(a, 7, "y", ny, "outer x inner"));
  return nullptr;
}

napi_value arg_reduce_js(const FastArgs& a) {
  cuda::Stream* s = stream_arg(a, 0);
  const auto op = ArgReduceOp(a.op(1, kArgReduceOpCount));
  const bool ints = a.integer(2, "dtype", 0, 1) == 1;
  const View3 v = view_arg(a, 4);
  const int64_t nx = checked_product({v.outer, v.size, v.inner}, a.fn(), "outer x size x inner");
  int32_t* y = data_arg<int32_t>(a, 7, "y", checked_mul(v.outer, v.inner, a.fn(), "outer x inner"), "outer x inner");
  if (ints) cuda::arg_reduce(s, op, data_arg<int32_t>(a, 3, "x", nx, "outer x size x inner"), v.outer, v.size, v.inner, y);
  else cuda::arg_reduce(s, op, data_arg(a, 3, "x", nx, "outer x size x inner"), v.outer, v.size, v.inner, y);
  return nullptr;
}

napi_value softmax_js(const FastArgs& a) {
  cuda::Stream* s = stream_arg(a, 0);
  const int64_t rows = count_arg(a, 2, "rows"), cols = count_arg(a, 3, "cols");
  const int64_t n = checked_mul(rows, cols, a.fn(), "rows x cols");
  const float* x = data_arg(a, 1, "x", n, "rows x cols");
  float* y = data_arg(a, 4, "y", n, "rows x cols");
  if (a.boolean(5, "log")) cuda::log_softmax(s, x, rows, cols, y);
  else cuda::softmax(s, x, rows, cols, y);
  return nullptr;
}

NormParam norm_arg(const FastArgs& a, size_t i, const char* name) {
  DeviceBlock* b = optional_buffer(a, i, name);
  return b ? NormParam{static_cast<const float*>(b->ptr), int64_t(b->bytes / 4)} : NormParam{};
}

napi_value batch_norm_js(const FastArgs& a) {
  cuda::Stream* s = stream_arg(a, 0);
  DeviceBlock& x = buffer_arg(a, 1, "x");
  const int64_t n = int64_t(x.bytes / 4), channels = a.integer(2, "channels", 1, kMaxElements);
  const NormParam mean = norm_arg(a, 3, "mean"), variance = norm_arg(a, 4, "variance");
  if (!mean.data || !variance.data) throw ArgumentError(std::string(a.fn()) + ": mean and variance are required");
  cuda::batch_norm(s, static_cast<const float*>(x.ptr), n, channels, mean, variance, norm_arg(a, 5, "offset"),
                   norm_arg(a, 6, "scale"), float(a.number(7, "epsilon")), data_arg(a, 8, "y", n, "the size of x"));
  return nullptr;
}

napi_value bias_act_js(const FastArgs& a) {
  cuda::Stream* s = stream_arg(a, 0);
  const int64_t rows = count_arg(a, 2, "rows"), cols = a.integer(3, "cols", 1, kMaxElements);
  float* y = data_arg(a, 1, "y", checked_mul(rows, cols, a.fn(), "rows x cols"), "rows x cols");
  const float* bias = a.nullish(4) ? nullptr : data_arg(a, 4, "bias", cols, "cols");
  const auto act = Activation(a.op(5, kActivationCount));
  cuda::bias_act(s, y, rows, cols, bias, act, float(a.number(6, "alpha")));
  return nullptr;
}

// The variable v (its size gives n) and `count` more buffers of n floats after it.
int64_t optim_arrays(const FastArgs& a, float** out, const char* const* names, int count) {
  DeviceBlock& v = buffer_arg(a, 1, "v");
  const int64_t n = int64_t(v.bytes / 4);
  out[0] = static_cast<float*>(v.ptr);
  for (int i = 1; i <= count; ++i) out[i] = data_arg(a, size_t(1 + i), names[i], n, "the size of v");
  return n;
}

napi_value sgd_js(const FastArgs& a) {
  float* p[2];
  const char* const names[] = {"v", "g"};
  const int64_t n = optim_arrays(a, p, names, 1);
  cuda::sgd_update(stream_arg(a, 0), p[0], p[1], n, a.number(3, "lr"));
  return nullptr;
}

napi_value momentum_js(const FastArgs& a) {
  float* p[3];
  const char* const names[] = {"v", "g", "accum"};
  const int64_t n = optim_arrays(a, p, names, 2);
  cuda::momentum_update(stream_arg(a, 0), p[0], p[1], p[2], n, a.number(4, "lr"), a.number(5, "momentum"),
                        a.boolean(6, "useNesterov"));
  return nullptr;
}

napi_value adam_js(const FastArgs& a) {
  float* p[4];
  const char* const names[] = {"v", "g", "m", "s"};
  const int64_t n = optim_arrays(a, p, names, 3);
  cuda::adam_update(stream_arg(a, 0), p[0], p[1], p[2], p[3], n, a.number(5, "lr"), a.number(6, "beta1"),
                    a.number(7, "beta2"), a.number(8, "epsilon"), a.number(9, "beta1Power"), a.number(10, "beta2Power"));
  return nullptr;
}

napi_value rmsprop_js(const FastArgs& a) {
  float* p[4];
  const char* const names[] = {"v", "g", "ms", "mom"};
  const int64_t n = optim_arrays(a, p, names, 3);
  const bool centered = a.boolean(10, "centered");
  float* mg = centered ? data_arg(a, 5, "mg", n, "the size of v") : nullptr;
  cuda::rmsprop_update(stream_arg(a, 0), p[0], p[1], p[2], p[3], mg, n, a.number(6, "lr"), a.number(7, "decay"),
                       a.number(8, "momentum"), a.number(9, "epsilon"), centered);
  return nullptr;
}

#endif  // KILN_HAS_CUDA

}  // namespace

void register_cuda_kernels(Napi::Env env, Napi::Object exports) {
  define_fast(env, exports, "cudaUnary", KILN_CUDA_ENTRY(unary_js));
  define_fast(env, exports, "cudaBinary", KILN_CUDA_ENTRY(binary_js));
  define_fast(env, exports, "cudaCompare", KILN_CUDA_ENTRY(compare_js));
  define_fast(env, exports, "cudaLogical", KILN_CUDA_ENTRY(logical_js));
  define_fast(env, exports, "cudaLogicalNot", KILN_CUDA_ENTRY(logical_not_js));
  define_fast(env, exports, "cudaSelect", KILN_CUDA_ENTRY(select_js));
  define_fast(env, exports, "cudaCast", KILN_CUDA_ENTRY(cast_js));
  define_fast(env, exports, "cudaReduce", KILN_CUDA_ENTRY(reduce_js));
  define_fast(env, exports, "cudaArgReduce", KILN_CUDA_ENTRY(arg_reduce_js));
  define_fast(env, exports, "cudaSoftmax", KILN_CUDA_ENTRY(softmax_js));
  define_fast(env, exports, "cudaBatchNorm", KILN_CUDA_ENTRY(batch_norm_js));
  define_fast(env, exports, "cudaBiasAct", KILN_CUDA_ENTRY(bias_act_js));
  define_fast(env, exports, "cudaSgdUpdate", KILN_CUDA_ENTRY(sgd_js));
  define_fast(env, exports, "cudaMomentumUpdate", KILN_CUDA_ENTRY(momentum_js));
  define_fast(env, exports, "cudaAdamUpdate", KILN_CUDA_ENTRY(adam_js));
  define_fast(env, exports, "cudaRmspropUpdate", KILN_CUDA_ENTRY(rmsprop_js));
}

KILN_BINDING(register_cuda_kernels);

}  // namespace kiln::binding
