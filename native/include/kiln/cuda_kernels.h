// The CUDA kernels of the "kiln-cuda" backend: the same ops, op codes, shapes and
// semantics as the CPU kernels of the same names (kiln/elementwise.h, reduce.h, nn.h,
// optim.h, layout.h, pool.h, conv.h), on device pointers, queued on a Stream. Every
// call validates its arguments first (ShapeError / ArgumentError, nothing queued), then
// returns once the work is queued: launch failures throw NativeError CUDA_ERROR here,
// faults inside a kernel surface at the next synchronization. Plain C++: the binding
// and the ctest programs include it without CUDA headers.
#pragma once
#include <cstdint>

#include "kiln/conv.h"
#include "kiln/cuda_device.h"
#include "kiln/elementwise.h"
#include "kiln/nn.h"
#include "kiln/pool.h"
#include "kiln/reduce.h"
#include "kiln/shape.h"
#include "kiln/sgemm.h"

namespace kiln::cuda {

// ---- elementwise (elementwise.cu) ----------------------------------------------------

/// One operand of a broadcasting op: device data, or (data == nullptr) a scalar passed by
/// value, which saves an upload for the constants tfjs creates (x * 2, 1 - y).
template <class T>
struct Operand {
  const T* data = nullptr;
  T value = T();
};

void unary(Stream* s, UnaryOp op, const float* x, float* y, int64_t n, float alpha, float beta);
void binary(Stream* s, BinaryOp op, Operand<float> a, const Shape& as, Operand<float> b, const Shape& bs, float* y,
            const Shape& ys);
void compare(Stream* s, CompareOp op, Operand<float> a, const Shape& as, Operand<float> b, const Shape& bs,
             uint8_t* y, const Shape& ys);
void compare(Stream* s, CompareOp op, Operand<int32_t> a, const Shape& as, Operand<int32_t> b, const Shape& bs,
             uint8_t* y, const Shape& ys);
void logical(Stream* s, LogicalOp op, const uint8_t* a, const Shape& as, const uint8_t* b, const Shape& bs,
             uint8_t* y, const Shape& ys);
void logical_not(Stream* s, const uint8_t* x, uint8_t* y, int64_t n);
void select(Stream* s, const uint8_t* cond, int64_t cond_n, const uint32_t* a, const uint32_t* b, uint32_t* y,
            int64_t n);
void cast(Stream* s, DType from, const void* x, DType to, void* y, int64_t n);

// ---- reductions and softmax (reduce.cu) -----------------------------------------------

void reduce(Stream* s, ReduceOp op, const float* x, int64_t outer, int64_t size, int64_t inner, float* y);
void reduce(Stream* s, ReduceOp op, const int32_t* x, int64_t outer, int64_t size, int64_t inner, int32_t* y);
void arg_reduce(Stream* s, ArgReduceOp op, const float* x, int64_t outer, int64_t size, int64_t inner, int32_t* y);
void arg_reduce(Stream* s, ArgReduceOp op, const int32_t* x, int64_t outer, int64_t size, int64_t inner,
                int32_t* y);
void softmax(Stream* s, const float* x, int64_t rows, int64_t cols, float* y);
void log_softmax(Stream* s, const float* x, int64_t rows, int64_t cols, float* y);

// ---- nn epilogues (nn.cu) -------------------------------------------------------------

/// NormParam::data are device pointers here.
void batch_norm(Stream* s, const float* x, int64_t n, int64_t channels, NormParam mean, NormParam variance,
                NormParam offset, NormParam scale, float epsilon, float* y);
void bias_act(Stream* s, float* y, int64_t rows, int64_t cols, const float* bias, Activation act, float alpha);

// ---- optimizers (optim.cu): bit-exact with the CPU kernels ----------------------------

void sgd_update(Stream* s, float* v, const float* g, int64_t n, double lr);
void momentum_update(Stream* s, float* v, const float* g, float* accum, int64_t n, double lr, double momentum,
                     bool nesterov);
void adam_update(Stream* s, float* v, const float* g, float* m, float* sq, int64_t n, double lr, double beta1,
                 double beta2, double epsilon, double beta1_power, double beta2_power);
void rmsprop_update(Stream* s, float* v, const float* g, float* ms, float* mom, float* mg, int64_t n, double lr,
                    double decay, double momentum, double epsilon, bool centered);

// ---- layout (layout.cu): 4-byte elements as raw bits ----------------------------------

void transpose(Stream* s, const uint32_t* x, const Shape& xs, const int64_t* perm, uint32_t* y);
void tile(Stream* s, const uint32_t* x, const Shape& xs, const int64_t* reps, uint32_t* y);
void slice(Stream* s, const uint32_t* x, const Shape& xs, const int64_t* begin, const int64_t* size, uint32_t* y);
void fill(Stream* s, uint32_t* y, int64_t n, uint32_t value);
/// Unlike the CPU kernel, indices are not checked (that would need a device round trip):
/// an index outside [0, axis_size) yields zeros, as TensorFlow's GPU kernel does.
void gather(Stream* s, const uint32_t* x, int64_t outer, int64_t axis_size, int64_t inner, const int32_t* indices,
            int64_t n_indices, uint32_t* y);
void one_hot(Stream* s, const int32_t* indices, int64_t n, int64_t depth, float on, float off, float* y);

// ---- pooling (pool.cu) and convolution (conv.cu), NHWC --------------------------------

void max_pool(Stream* s, const PoolGeometry& g, const float* x, float* y);
void max_pool_grad(Stream* s, const PoolGeometry& g, const float* dy, const float* x, float* dx);
void avg_pool(Stream* s, const PoolGeometry& g, const float* x, float* y);
void avg_pool_grad(Stream* s, const PoolGeometry& g, const float* dy, float* dx);

void conv2d(Stream* s, const ConvGeometry& g, const float* x, const float* filter, float* y);
void conv2d_backprop_input(Stream* s, const ConvGeometry& g, const float* dy, const float* filter, float* dx);
void conv2d_backprop_filter(Stream* s, const ConvGeometry& g, const float* x, const float* dy, float* dw);

// ---- GEMM (sgemm.cu, sgemm_tf32.cu) ---------------------------------------------------

/// sgemm_device on a Stream (see kiln/cuda.h); TF32 tensor cores when tf32_enabled().
void sgemm(Stream* s, const GemmShape& g, int64_t batch, float alpha, const float* a, int64_t stride_a,
           const float* b, int64_t stride_b, float beta, float* c, int64_t stride_c);
/// Whether sgemm may round inputs to TF32 (10-bit mantissa) for tensor cores, like
/// PyTorch's allow_tf32. Starts from KILN_TF32=1 in the environment; off otherwise.
bool tf32_enabled();
void set_tf32(bool on);

}  // namespace kiln::cuda
