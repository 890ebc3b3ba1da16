// The sgemm argument list shared by the CPU (sgemm) and CUDA (cudaSgemm) bindings:
//   (transA, transB, batch, m, n, k, alpha, a, b, beta, c)
// a holds batch (or 1, broadcast) matrices op(A) m x k; b likewise k x n; c batch x m x n.
// The bf16 GEMM (gemmBf16) takes the same list with a and b as Uint16Arrays of bf16.
#pragma once
#include <napi.h>

#include <cstdint>

#include "args.h"
#include "kiln/sgemm.h"

namespace kiln::binding {

struct GemmArgs {
  GemmShape shape;  // dense row-major: lda, ldb, ldc follow from m, n, k and the transposes
  int64_t batch = 1;
  float alpha = 1.0f, beta = 0.0f;
  View<float> a, b, c;       // a, b: fp32 inputs
  View<uint16_t> a16, b16;   // bf16 inputs (gemm_args with bf16 = true)
  int64_t stride_a = 0, stride_b = 0, stride_c = 0;  // 0 broadcasts a or b
};

/// Reads and checks the list starting at argument `first`; `fn` names the function in
/// errors (TypeError for wrong types, RangeError for bad values, sizes or aliasing).
GemmArgs gemm_args(const Napi::CallbackInfo& info, size_t first, const char* fn, bool bf16 = false);

}  // namespace kiln::binding
