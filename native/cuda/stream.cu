// Streams: one per backend instance, non-blocking so they never serialize with the
// legacy default stream other libraries in the process may use.
#include <cuda_runtime.h>

#include <atomic>

#include "allocator.h"
#include "cuda_check.h"
#include "kiln/cuda.h"
#include "kiln/cuda_device.h"
#include "launch.h"

namespace kiln::cuda {

namespace {
std::atomic<uint64_t> next_id{1};
}

Stream* stream_create(int device) {
  require_device(device, "streamCreate");
  detail::DeviceScope scope(device, "streamCreate");
  cudaStream_t handle = nullptr;
  detail::check(cudaStreamCreateWithFlags(&handle, cudaStreamNonBlocking), "streamCreate", device,
                "cudaStreamCreateWithFlags");
  Stream* s = new Stream{device, handle, next_id.fetch_add(1)};
  detail::register_stream(s->id);
  return s;
}

void stream_destroy(Stream* s) noexcept {
  if (s == nullptr) return;
  int previous = 0;
  if (cudaGetDevice(&previous) != cudaSuccess) cudaGetLastError();
  if (previous != s->device && cudaSetDevice(s->device) != cudaSuccess) cudaGetLastError();
  // Kernels still queued may use blocks of this stream: finish them before the
  // allocator hands those blocks back to the driver.
  if (cudaStreamSynchronize(s->handle) != cudaSuccess) cudaGetLastError();
  detail::unregister_stream(s->device, s->id);
  if (cudaStreamDestroy(s->handle) != cudaSuccess) cudaGetLastError();
  if (previous != s->device && cudaSetDevice(previous) != cudaSuccess) cudaGetLastError();
  delete s;
}

void stream_synchronize(Stream* s, const char* op) {
  detail::check(cudaStreamSynchronize(s->handle), op, s->device, "stream synchronize");
}

int stream_device(const Stream* s) { return s->device; }

}  // namespace kiln::cuda
