// The elementwise kernels of one instruction set, as a table: elementwise_impl.h is
// compiled once per ISA (elementwise_{scalar,avx2,avx512}.cc) and elementwise.cc picks a
// table at call time from kiln::simd_level(). Kernels take raw contiguous runs; shapes,
// broadcasting and threading live in elementwise.cc.
#pragma once
#include <cstdint>

namespace kiln::detail {

struct ElementwiseKernels {
  void (*unary)(int op, const float* x, float* y, int64_t n, float alpha, float beta);
  // kind is a BroadcastKind: which operand (if any) is a single repeated value.
  void (*binary)(int op, int kind, const float* a, const float* b, float* y, int64_t n);
  void (*compare_f32)(int op, int kind, const float* a, const float* b, uint8_t* y, int64_t n);
  void (*compare_i32)(int op, int kind, const int32_t* a, const int32_t* b, uint8_t* y, int64_t n);
  void (*logical)(int op, int kind, const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n);
  void (*logical_not)(const uint8_t* x, uint8_t* y, int64_t n);
  void (*select)(const uint8_t* cond, const uint32_t* a, const uint32_t* b, uint32_t* y, int64_t n);
  void (*cast)(int from, const void* x, int to, void* y, int64_t n);
};

extern const ElementwiseKernels kElementwiseScalar;
extern const ElementwiseKernels kElementwiseAvx2;
extern const ElementwiseKernels kElementwiseAvx512;

}  // namespace kiln::detail
