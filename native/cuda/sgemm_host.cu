// Host-memory and benchmark front ends of sgemm_device. Each call allocates and frees
// its own device buffers: simple and leak-proof until the caching allocator and
// device-resident tensors arrive. Copies cover only the spans the strides reach.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

#include "cuda_check.h"
#include "kiln/cuda.h"
#include "kiln/errors.h"
#include "sgemm_internal.h"

namespace kiln::cuda {
namespace {

using detail::check;
constexpr const char* kOp = "MatMul";

// Elements from the first to the last one of a rows x cols matrix with row stride ld.
int64_t extent(int64_t rows, int64_t cols, int64_t ld) { return rows == 0 || cols == 0 ? 0 : (rows - 1) * ld + cols; }

// Elements from the first to the last one of `batch` entries `stride` apart.
int64_t span(int64_t batch, int64_t stride, int64_t one) {
  return one == 0 || batch == 0 ? 0 : (batch - 1) * stride + one;
}

void copy(void* dst, const void* src, int64_t floats, cudaMemcpyKind kind, cudaStream_t st, int device,
          const char* what) {
  if (floats > 0) check(cudaMemcpyAsync(dst, src, size_t(floats) * sizeof(float), kind, st), kOp, device, what);
}

// Deterministic values in [-1, 1): zeros would flatter the benchmark (less switching power).
__global__ void fill_kernel(float* x, int64_t n, uint32_t seed) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    uint32_t h = static_cast<uint32_t>(i) * 2654435761u ^ seed;
    h ^= h >> 16, h *= 0x85ebca6bu, h ^= h >> 13, h *= 0xc2b2ae35u, h ^= h >> 16;
    x[i] = static_cast<float>(h) * (2.0f / 4294967296.0f) - 1.0f;
  }
}

void fill(float* x, int64_t n, uint32_t seed, cudaStream_t st, int device) {
  const unsigned blocks = static_cast<unsigned>(std::min<int64_t>((n + 255) / 256, 4096));
  fill_kernel<<<blocks, 256, 0, st>>>(x, n, seed);
  check(cudaGetLastError(), kOp, device, "fill kernel launch");
}

}  // namespace

void sgemm_host(int device, const GemmShape& s, int64_t batch, float alpha, const float* a, int64_t stride_a,
                const float* b, int64_t stride_b, float beta, float* c, int64_t stride_c) {
  detail::check_gemm_args(s, batch, stride_a, stride_b, stride_c, alpha, a, b, c);
  require_device(device, kOp);
  const bool uses_ab = s.k > 0 && alpha != 0.0f;
  if (batch == 0 || s.m == 0 || s.n == 0 || (!uses_ab && beta == 1.0f)) return;

  const int64_t one_a = s.trans_a ? extent(s.k, s.m, s.lda) : extent(s.m, s.k, s.lda);
  const int64_t one_b = s.trans_b ? extent(s.n, s.k, s.ldb) : extent(s.k, s.n, s.ldb);
  const int64_t n_a = uses_ab ? span(batch, stride_a, one_a) : 0, n_b = uses_ab ? span(batch, stride_b, one_b) : 0;
  const int64_t n_c = span(batch, stride_c, extent(s.m, s.n, s.ldc));
  // The copy-back writes C's whole span, so unless the m x n entries fill it, the gaps
  // must first receive the caller's values; beta == 0 still never reads the entries.
  const bool dense_c = s.ldc == s.n && (batch == 1 || stride_c == s.m * s.n);

  detail::DeviceScope scope(device, kOp);
  cudaStream_t st = cudaStreamPerThread;
  detail::DeviceBuffer da(size_t(n_a), kOp, device), db(size_t(n_b), kOp, device), dc(size_t(n_c), kOp, device);
  try {
    copy(da.get(), a, n_a, cudaMemcpyHostToDevice, st, device, "copy of a to the device");
    copy(db.get(), b, n_b, cudaMemcpyHostToDevice, st, device, "copy of b to the device");
    if (beta != 0.0f || !dense_c) copy(dc.get(), c, n_c, cudaMemcpyHostToDevice, st, device, "copy of c to the device");
    sgemm_device(device, s, batch, alpha, da.get(), stride_a, db.get(), stride_b, beta, dc.get(), stride_c, st);
    copy(c, dc.get(), n_c, cudaMemcpyDeviceToHost, st, device, "copy of c to the host");
    check(cudaStreamSynchronize(st), kOp, device, "sgemm");
  } catch (...) {
    // Let queued work finish before the buffers it uses are freed.
    if (cudaStreamSynchronize(st) != cudaSuccess) cudaGetLastError();
    throw;
  }
}

double sgemm_bench(int device, int64_t m, int64_t n, int64_t k, int iters, bool tf32) {
  if (m < 1 || n < 1 || k < 1 || m > detail::kMaxGemmDim || n > detail::kMaxGemmDim || k > detail::kMaxGemmDim)
    throw ShapeError("sgemm bench: m, n and k must be in [1, 2^30]");
  if (iters < 1) throw ShapeError("sgemm bench: iters must be >= 1");
  GemmShape s;
  s.m = m, s.n = n, s.k = k, s.lda = k, s.ldb = n, s.ldc = n;
  require_device(device, kOp);

  detail::DeviceScope scope(device, kOp);
  cudaStream_t st = cudaStreamPerThread;
  detail::DeviceBuffer da(size_t(m * k), kOp, device), db(size_t(k * n), kOp, device), dc(size_t(m * n), kOp, device);
  detail::Event start(kOp, device), stop(kOp, device);
  try {
    fill(da.get(), m * k, 1, st, device);
    fill(db.get(), k * n, 2, st, device);
    auto run = [&] {
      if (!tf32 || !detail::sgemm_tf32(device, s, 1, 1.0f, da.get(), 0, db.get(), 0, 0.0f, dc.get(), 0, st))
        sgemm_device(device, s, 1, 1.0f, da.get(), 0, db.get(), 0, 0.0f, dc.get(), 0, st);
    };
    for (int i = 0; i < 2; ++i) run();  // clocks up, kernels loaded
    check(cudaEventRecord(start.get(), st), kOp, device, "cudaEventRecord");
    for (int i = 0; i < iters; ++i) run();
    check(cudaEventRecord(stop.get(), st), kOp, device, "cudaEventRecord");
    check(cudaEventSynchronize(stop.get()), kOp, device, "sgemm bench");
    float ms = 0.0f;
    check(cudaEventElapsedTime(&ms, start.get(), stop.get()), kOp, device, "cudaEventElapsedTime");
    return double(ms) / iters;
  } catch (...) {
    if (cudaStreamSynchronize(st) != cudaSuccess) cudaGetLastError();
    throw;
  }
}

}  // namespace kiln::cuda
