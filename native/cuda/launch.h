// Internal to native/cuda: the Stream object behind kiln/cuda_device.h and the launch
// helpers every kernel family uses (grid-stride loops sized to the device, launch-error
// checks naming the op and device).
#pragma once
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

#include "cuda_check.h"
#include "kiln/cuda_device.h"

namespace kiln::cuda {

struct Stream {
  int device = 0;
  cudaStream_t handle = nullptr;
  uint64_t id = 0;  // never reused, so the allocator can tell a destroyed stream's blocks
};

namespace detail {

constexpr int kThreads = 256;
// Enough 256-thread blocks to fill an H100 (132 SMs x 8 resident blocks) twice;
// grid-stride loops cover the rest.
constexpr int64_t kMaxBlocks = 2112;

/// Blocks for a grid-stride loop over n items (at least 1, so a launch is always valid).
inline unsigned blocks_for(int64_t n, int threads = kThreads) {
  return static_cast<unsigned>(std::max<int64_t>(1, std::min<int64_t>((n + threads - 1) / threads, kMaxBlocks)));
}

/// Makes the stream's device current for one kernel-family call (restored on exit).
class OnStream {
 public:
  OnStream(const Stream* s, const char* op) : s_(s), op_(op), scope_(s->device, op) {}
  cudaStream_t get() const { return s_->handle; }
  int device() const { return s_->device; }
  /// Throws CUDA_ERROR naming the op when the last launch failed.
  void launched() const { check(cudaGetLastError(), op_, s_->device, "kernel launch"); }

 private:
  const Stream* s_;
  const char* op_;
  DeviceScope scope_;
};

/// The index of this thread in a 1-D grid-stride loop, and the loop's stride.
__device__ __forceinline__ int64_t grid_index() { return blockIdx.x * int64_t(blockDim.x) + threadIdx.x; }
__device__ __forceinline__ int64_t grid_stride() { return int64_t(gridDim.x) * blockDim.x; }

}  // namespace detail
}  // namespace kiln::cuda
