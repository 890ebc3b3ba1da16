// Elementwise CUDA kernels: unary math, broadcasting binary math, comparisons, logic,
// select and casts (kiln/cuda_kernels.h). Broadcasting reuses the CPU's plan (size-1
// dims dropped, neighbours that broadcast alike merged), so most calls index a flat
// run and the general case divides through at most a few dims.
#include <cuda_runtime.h>

#include <string>
#include <type_traits>

#include "../cpu/broadcast.h"
#include "device_math.cuh"
#include "kiln/cuda_kernels.h"
#include "kiln/errors.h"
#include "launch.h"

namespace kiln::cuda {
namespace {

using kiln::detail::BroadcastPlan;
using detail::grid_index;
using detail::grid_stride;

__global__ void unary_kernel(int op, const float* __restrict__ x, float* y, int64_t n, float alpha, float beta) {
  for (int64_t i = grid_index(); i < n; i += grid_stride()) y[i] = detail::unary_op(op, x[i], alpha, beta);
}

struct BinaryF {
  int op;
  __device__ float operator()(float p, float q) const { return detail::binary_op(op, p, q); }
};

template <class T>
struct CompareF {
  int op;
  __device__ uint8_t operator()(T p, T q) const {
    switch (static_cast<CompareOp>(op)) {
      case CompareOp::kEqual: return p == q;
      case CompareOp::kNotEqual: return p != q;
      case CompareOp::kGreater: return p > q;
      case CompareOp::kGreaterEqual: return p >= q;
      case CompareOp::kLess: return p < q;
      case CompareOp::kLessEqual: return p <= q;
    }
    return 0;
  }
};

struct LogicalF {
  int op;
  __device__ uint8_t operator()(uint8_t p, uint8_t q) const {
    const bool a = p != 0, b = q != 0;
    return op == int(LogicalOp::kAnd) ? (a && b) : op == int(LogicalOp::kOr) ? (a || b) : (a != b);
  }
};

template <class T>
__device__ __forceinline__ T operand_at(const Operand<T>& o, int64_t i) {
  return o.data ? o.data[i] : o.value;
}

template <class T, class R, class F>
__global__ void broadcast_kernel(const BroadcastPlan p, const Operand<T> a, const Operand<T> b, R* y, F f) {
  for (int64_t i = grid_index(); i < p.size; i += grid_stride()) {
    int64_t ao = 0, bo = 0;
    if (p.rank == 1) {
      ao = i * p.a_stride[0], bo = i * p.b_stride[0];
    } else {
      int64_t rem = i;
      for (int d = p.rank - 1; d >= 0; --d) {
        const int64_t q = rem % p.dims[d];
        rem /= p.dims[d];
        ao += q * p.a_stride[d];
        bo += q * p.b_stride[d];
      }
    }
    y[i] = f(operand_at(a, ao), operand_at(b, bo));
  }
}

template <class T, class R, class F>
void run_broadcast(Stream* s, const char* op, Operand<T> a, const Shape& as, Operand<T> b, const Shape& bs, R* y,
                   const Shape& ys, F f) {
  if ((!a.data && as.size() != 1) || (!b.data && bs.size() != 1))
    throw ShapeError(std::string(op) + ": an operand passed by value must have exactly one element");
  const BroadcastPlan plan = kiln::detail::plan_broadcast(as, bs, ys, op);
  if (plan.size == 0) return;
  detail::OnStream on(s, op);
  broadcast_kernel<<<detail::blocks_for(plan.size), detail::kThreads, 0, on.get()>>>(plan, a, b, y, f);
  on.launched();
}

__global__ void logical_not_kernel(const uint8_t* __restrict__ x, uint8_t* y, int64_t n) {
  for (int64_t i = grid_index(); i < n; i += grid_stride()) y[i] = x[i] == 0;
}

__global__ void select_kernel(const uint8_t* __restrict__ cond, int64_t per_cond, const uint32_t* __restrict__ a,
                              const uint32_t* __restrict__ b, uint32_t* y, int64_t n) {
  for (int64_t i = grid_index(); i < n; i += grid_stride()) y[i] = cond[i / per_cond] ? a[i] : b[i];
}

// JS ToInt32 of a float: truncate, then wrap modulo 2^32; NaN and +-Inf give 0.
__device__ __forceinline__ int32_t js_int32(float v) {
  if (fabsf(v) < 2147483648.0f) return static_cast<int32_t>(v);
  const int64_t w = fabsf(v) < 9.2e18f ? static_cast<int64_t>(v) : 0;  // >= 2^63 (and NaN): 0 mod 2^32
  return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(w)));
}

template <class From, class To>
__global__ void cast_kernel(const From* __restrict__ x, To* y, int64_t n) {
  for (int64_t i = grid_index(); i < n; i += grid_stride()) {
    const From v = x[i];
    if constexpr (std::is_same_v<To, uint8_t>) y[i] = v != From(0);
    else if constexpr (std::is_same_v<From, float>) y[i] = js_int32(v);  // float -> int32
    else y[i] = static_cast<To>(v);                                      // int32 / bool -> wider: exact
  }
}

template <class From, class To>
void launch_cast(const detail::OnStream& on, const void* x, void* y, int64_t n) {
  cast_kernel<From, To><<<detail::blocks_for(n), detail::kThreads, 0, on.get()>>>(static_cast<const From*>(x),
                                                                                   static_cast<To*>(y), n);
}

void check_n(const char* op, int64_t n) {
  if (n < 0) throw ShapeError(std::string(op) + ": element count must be >= 0, got " + std::to_string(n));
}

}  // namespace

void unary(Stream* s, UnaryOp op, const float* x, float* y, int64_t n, float alpha, float beta) {
  check_n("unary", n);
  if (n == 0) return;
  detail::OnStream on(s, "unary");
  unary_kernel<<<detail::blocks_for(n), detail::kThreads, 0, on.get()>>>(int(op), x, y, n, alpha, beta);
  on.launched();
}

void binary(Stream* s, BinaryOp op, Operand<float> a, const Shape& as, Operand<float> b, const Shape& bs, float* y,
            const Shape& ys) {
  run_broadcast(s, "binary", a, as, b, bs, y, ys, BinaryF{int(op)});
}

void compare(Stream* s, CompareOp op, Operand<float> a, const Shape& as, Operand<float> b, const Shape& bs,
             uint8_t* y, const Shape& ys) {
  run_broadcast(s, "compare", a, as, b, bs, y, ys, CompareF<float>{int(op)});
}

void compare(Stream* s, CompareOp op, Operand<int32_t> a, const Shape& as, Operand<int32_t> b, const Shape& bs,
             uint8_t* y, const Shape& ys) {
  run_broadcast(s, "compare", a, as, b, bs, y, ys, CompareF<int32_t>{int(op)});
}

void logical(Stream* s, LogicalOp op, const uint8_t* a, const Shape& as, const uint8_t* b, const Shape& bs,
             uint8_t* y, const Shape& ys) {
  Operand<uint8_t> oa, ob;
  oa.data = a, ob.data = b;
  run_broadcast(s, "logical", oa, as, ob, bs, y, ys, LogicalF{int(op)});
}

void logical_not(Stream* s, const uint8_t* x, uint8_t* y, int64_t n) {
  check_n("logicalNot", n);
  if (n == 0) return;
  detail::OnStream on(s, "logicalNot");
  logical_not_kernel<<<detail::blocks_for(n), detail::kThreads, 0, on.get()>>>(x, y, n);
  on.launched();
}

void select(Stream* s, const uint8_t* cond, int64_t cond_n, const uint32_t* a, const uint32_t* b, uint32_t* y,
            int64_t n) {
  check_n("select", n);
  if (cond_n < 1 || n % cond_n != 0)
    throw ShapeError("select: the condition has " + std::to_string(cond_n) + " entries; expected " +
                     std::to_string(n) + " or a divisor of it (one per row)");
  if (n == 0) return;
  detail::OnStream on(s, "select");
  select_kernel<<<detail::blocks_for(n), detail::kThreads, 0, on.get()>>>(cond, n / cond_n, a, b, y, n);
  on.launched();
}

void cast(Stream* s, DType from, const void* x, DType to, void* y, int64_t n) {
  check_n("cast", n);
  if (n == 0) return;
  detail::OnStream on(s, "cast");
  if (from == to) {
    if (x != y)
      detail::check(cudaMemcpyAsync(y, x, size_t(n) * (from == DType::kBool ? 1 : 4), cudaMemcpyDeviceToDevice, on.get()),
                    "cast", on.device(), "cudaMemcpyAsync");
    return;
  }
  using F = float;
  using I = int32_t;
  using B = uint8_t;
  if (from == DType::kFloat32 && to == DType::kInt32) launch_cast<F, I>(on, x, y, n);
  else if (from == DType::kFloat32) launch_cast<F, B>(on, x, y, n);
  else if (from == DType::kInt32 && to == DType::kFloat32) launch_cast<I, F>(on, x, y, n);
  else if (from == DType::kInt32) launch_cast<I, B>(on, x, y, n);
  else if (to == DType::kFloat32) launch_cast<B, F>(on, x, y, n);
  else launch_cast<B, I>(on, x, y, n);
  on.launched();
}

}  // namespace kiln::cuda
