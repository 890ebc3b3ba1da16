// Host <-> device copies. Uploads go straight from the caller's (pageable) memory: the
// driver stages them before cudaMemcpyAsync returns. Asynchronous downloads land in
// pinned staging memory, so the copy runs in stream order while the caller's thread
// goes on, and a worker thread later waits on an event and moves the bytes out.
// Pinned buffers are cached by power-of-two size (cudaHostAlloc costs milliseconds).
#include <cuda_runtime.h>

#include <cstring>
#include <map>
#include <mutex>
#include <vector>

#include "cuda_check.h"
#include "kiln/cuda_device.h"
#include "launch.h"

namespace kiln::cuda {

struct PendingCopy {
  int device;
  cudaEvent_t event;
  void* staging;
  size_t bytes, capacity;
  const char* op;
};

namespace {

using detail::check;
constexpr size_t kMaxCachedPinned = size_t(256) << 20;

struct PinnedCache {
  std::mutex mu;
  std::map<size_t, std::vector<void*>> free;
  size_t cached = 0;
};

PinnedCache& pinned() {
  static PinnedCache* c = new PinnedCache();  // leaked: used by worker threads at exit
  return *c;
}

size_t pinned_class(size_t bytes) {
  size_t c = 4096;
  while (c < bytes) c *= 2;
  return c;
}

void* pinned_take(size_t capacity, const char* op, int device) {
  {
    PinnedCache& c = pinned();
    std::lock_guard<std::mutex> lock(c.mu);
    auto it = c.free.find(capacity);
    if (it != c.free.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.cached -= capacity;
      return p;
    }
  }
  void* p = nullptr;
  check(cudaHostAlloc(&p, capacity, cudaHostAllocPortable), op, device, "cudaHostAlloc of the download staging buffer");
  return p;
}

void pinned_give(void* p, size_t capacity) {
  PinnedCache& c = pinned();
  {
    std::lock_guard<std::mutex> lock(c.mu);
    if (c.cached + capacity <= kMaxCachedPinned) {
      c.free[capacity].push_back(p);
      c.cached += capacity;
      return;
    }
  }
  if (cudaFreeHost(p) != cudaSuccess) cudaGetLastError();
}

}  // namespace

void upload(Stream* s, void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  detail::OnStream on(s, "upload");
  check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, on.get()), "upload", s->device, "cudaMemcpyAsync");
}

void download(Stream* s, void* dst, const void* src, size_t bytes) {
  detail::OnStream on(s, "download");
  if (bytes > 0)
    check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, on.get()), "download", s->device, "cudaMemcpyAsync");
  check(cudaStreamSynchronize(on.get()), "download", s->device, "stream synchronize");
}

void copy_rows(Stream* s, void* dst, size_t dst_pitch, const void* src, size_t src_pitch, size_t row_bytes,
               size_t rows) {
  if (rows == 0 || row_bytes == 0) return;
  detail::OnStream on(s, "copy");
  if (rows == 1)
    check(cudaMemcpyAsync(dst, src, row_bytes, cudaMemcpyDeviceToDevice, on.get()), "copy", s->device, "cudaMemcpyAsync");
  else
    check(cudaMemcpy2DAsync(dst, dst_pitch, src, src_pitch, row_bytes, rows, cudaMemcpyDeviceToDevice, on.get()),
          "copy", s->device, "cudaMemcpy2DAsync");
}

PendingCopy* download_begin(Stream* s, const void* src, size_t bytes, const char* op) {
  detail::OnStream on(s, op);
  PendingCopy* p = new PendingCopy{s->device, nullptr, nullptr, bytes, 0, op};
  try {
    check(cudaEventCreateWithFlags(&p->event, cudaEventDisableTiming), op, s->device, "cudaEventCreate");
    if (bytes > 0) {
      p->capacity = pinned_class(bytes);
      p->staging = pinned_take(p->capacity, op, s->device);
      check(cudaMemcpyAsync(p->staging, src, bytes, cudaMemcpyDeviceToHost, on.get()), op, s->device,
            "cudaMemcpyAsync");
    }
    check(cudaEventRecord(p->event, on.get()), op, s->device, "cudaEventRecord");
  } catch (...) {
    if (p->event && cudaEventDestroy(p->event) != cudaSuccess) cudaGetLastError();
    // A copy may still be queued into the staging buffer: wait before reusing it.
    if (p->staging) {
      if (cudaStreamSynchronize(on.get()) != cudaSuccess) cudaGetLastError();
      pinned_give(p->staging, p->capacity);
    }
    delete p;
    throw;
  }
  return p;
}

void download_end(PendingCopy* p, void* dst) {
  struct Release {  // runs however download_end leaves
    PendingCopy* p;
    ~Release() {
      if (cudaEventDestroy(p->event) != cudaSuccess) cudaGetLastError();
      if (p->staging) pinned_give(p->staging, p->capacity);
      delete p;
    }
  } release{p};
  // cudaEventSynchronize needs no current device; it is safe on any thread.
  check(cudaEventSynchronize(p->event), p->op, p->device, "waiting for the device");
  if (p->bytes > 0) std::memcpy(dst, p->staging, p->bytes);
}

}  // namespace kiln::cuda
