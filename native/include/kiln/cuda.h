// CUDA entry points as plain C++ (no CUDA headers), so the binding compiles with or
// without the toolkit. Without a GPU or driver every query reports zero devices, and
// every operation throws NativeError "NO_DEVICE" saying why.
#pragma once
#include <cstdint>
#include <string>

#include "kiln/sgemm.h"

namespace kiln::cuda {

/// Number of usable CUDA devices; 0 (never an error) without a driver or GPU.
int device_count();
/// Why there are no devices ("" when there are), e.g. "no NVIDIA driver found (...)".
std::string unavailable_reason();
/// Throws NativeError "NO_DEVICE" (op, "cuda:N") unless `device` can be used.
void require_device(int device, const char* op);

struct DeviceInfo {
  std::string name;
  int64_t total_memory = 0;  // bytes
  int major = 0, minor = 0;  // compute capability
  int multiprocessors = 0;
};

/// Name, memory and compute capability of `device`.
DeviceInfo device_info(int device);

/// Enqueues kiln::sgemm_batched's computation on `device`, with a, b, c in that
/// device's memory: C = alpha * op(A) op(B) + beta * C per batch entry, stride 0
/// broadcasting A or B, beta == 0 never reading C. `stream` is a cudaStream_t
/// (nullptr: the calling thread's per-thread default stream). Returns once enqueued:
/// launch errors throw here, execution errors surface at the next synchronization.
/// m, n and k are limited to 2^30.
void sgemm_device(int device, const GemmShape& s, int64_t batch, float alpha, const float* a, int64_t stride_a,
                  const float* b, int64_t stride_b, float beta, float* c, int64_t stride_c, void* stream);

/// sgemm_device over host memory: allocates device buffers, copies in, runs, copies C
/// back and frees; returns when C holds the result. Only the m x n entries of C change.
void sgemm_host(int device, const GemmShape& s, int64_t batch, float alpha, const float* a, int64_t stride_a,
                const float* b, int64_t stride_b, float beta, float* c, int64_t stride_c);

/// Device-side milliseconds per m x n x k sgemm (buffers allocated once, warm-up runs
/// first, timed with CUDA events over `iters` runs); `tf32` times the TF32 tensor-core
/// kernel instead of the fp32 one.
double sgemm_bench(int device, int64_t m, int64_t n, int64_t k, int iters, bool tf32 = false);

}  // namespace kiln::cuda
