// The caching device allocator (see kiln/cuda_device.h). Sizes round up to a class:
// 512-byte steps up to 1 MiB, above that four classes per power of two (at most 25%
// waste), so the few sizes a training step uses map to a few exact free lists. One mutex
// guards everything: allocations are a map lookup, and cudaMalloc happens only while
// the cache warms up.
#include <cuda_runtime.h>

#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "allocator.h"
#include "cuda_check.h"
#include "kiln/cuda.h"
#include "kiln/cuda_device.h"
#include "launch.h"

namespace kiln::cuda {
namespace {

constexpr size_t kSmallLimit = size_t(1) << 20;
constexpr size_t kSmallStep = 512;

size_t size_class(size_t bytes) {
  if (bytes == 0) bytes = 1;
  if (bytes <= kSmallLimit) return (bytes + kSmallStep - 1) / kSmallStep * kSmallStep;
  size_t top = kSmallLimit;
  while (top * 2 <= bytes) top *= 2;
  const size_t step = top / 4;
  return (bytes + step - 1) / step * step;
}

struct Block {
  size_t size;       // class size: what cudaMalloc got
  size_t requested;  // what the caller asked for
  int device;
  uint64_t stream;
};

using FreeKey = std::tuple<int, uint64_t, size_t>;  // device, stream id, class size

struct State {
  std::mutex mu;
  std::unordered_map<void*, Block> live;
  std::map<FreeKey, std::vector<void*>> free;
  std::unordered_set<uint64_t> streams;  // ids of streams that still exist
  std::map<int, MemoryStats> stats;
};

// Leaked on purpose: finalizers may free blocks while static destructors run at exit.
State& state() {
  static State* s = new State();
  return *s;
}

void bump_peaks(MemoryStats& m) {
  if (m.allocated > m.peak_allocated) m.peak_allocated = m.allocated;
  if (m.reserved > m.peak_reserved) m.peak_reserved = m.reserved;
}

// Returns every free block of `device` (of one stream when only_stream != 0) to the
// driver. Caller holds the lock and has made the device current.
void release_cached(State& st, int device, uint64_t only_stream) {
  MemoryStats& m = st.stats[device];
  for (auto it = st.free.begin(); it != st.free.end();) {
    const auto& [dev, stream, size] = it->first;
    if (dev != device || (only_stream != 0 && stream != only_stream)) {
      ++it;
      continue;
    }
    for (void* p : it->second) {
      if (cudaFree(p) != cudaSuccess) cudaGetLastError();
      m.reserved -= int64_t(size);
      m.cached_blocks -= 1;
      m.device_frees += 1;
    }
    it = st.free.erase(it);
  }
}

std::string mib(int64_t bytes) { return std::to_string(bytes / (1024 * 1024)) + " MiB"; }

}  // namespace

namespace detail {

void register_stream(uint64_t id) {
  State& st = state();
  std::lock_guard<std::mutex> lock(st.mu);
  st.streams.insert(id);
}

void unregister_stream(int device, uint64_t id) {
  State& st = state();
  std::lock_guard<std::mutex> lock(st.mu);
  st.streams.erase(id);
  release_cached(st, device, id);
}

}  // namespace detail

void* device_alloc(Stream* s, size_t bytes, const char* op) {
  const int device = s->device;
  const uint64_t stream = s->id;
  const size_t cls = size_class(bytes);
  State& st = state();
  std::lock_guard<std::mutex> lock(st.mu);
  MemoryStats& m = st.stats[device];
  m.allocations += 1;
  void* ptr = nullptr;
  auto it = st.free.find(FreeKey{device, stream, cls});
  if (it != st.free.end() && !it->second.empty()) {
    ptr = it->second.back();
    it->second.pop_back();
    m.cache_hits += 1;
    m.cached_blocks -= 1;
  } else {
    detail::DeviceScope scope(device, op);
    cudaError_t e = cudaMalloc(&ptr, cls);
    if (e == cudaErrorMemoryAllocation) {
      // Cached blocks of every stream may be what is missing: give them back and retry.
      cudaGetLastError();
      if (cudaDeviceSynchronize() != cudaSuccess) cudaGetLastError();
      release_cached(st, device, 0);
      e = cudaMalloc(&ptr, cls);
    }
    if (e != cudaSuccess) {
      if (e == cudaErrorMemoryAllocation) m.out_of_memory += 1;
      size_t free_b = 0, total_b = 0;
      cudaGetLastError();
      if (cudaMemGetInfo(&free_b, &total_b) != cudaSuccess) cudaGetLastError();
      detail::throw_cuda(e, op, device,
                         "allocating " + std::to_string(bytes) + " bytes (" + mib(int64_t(cls)) + " class; " +
                             mib(m.allocated) + " allocated, " + mib(m.reserved) + " reserved by kiln, " +
                             mib(int64_t(free_b)) + " free of " + mib(int64_t(total_b)) + ")");
    }
    m.device_mallocs += 1;
    m.reserved += int64_t(cls);
  }
  st.live[ptr] = Block{cls, bytes, device, stream};
  m.allocated += int64_t(cls);
  m.requested += int64_t(bytes);
  m.active_blocks += 1;
  bump_peaks(m);
  return ptr;
}

void device_free(void* ptr) noexcept {
  if (ptr == nullptr) return;
  State& st = state();
  std::lock_guard<std::mutex> lock(st.mu);
  auto it = st.live.find(ptr);
  if (it == st.live.end()) return;
  const Block b = it->second;
  st.live.erase(it);
  MemoryStats& m = st.stats[b.device];
  m.allocated -= int64_t(b.size);
  m.requested -= int64_t(b.requested);
  m.active_blocks -= 1;
  if (st.streams.count(b.stream)) {
    st.free[FreeKey{b.device, b.stream, b.size}].push_back(ptr);
    m.cached_blocks += 1;
    return;
  }
  // Its stream was destroyed (after a synchronize), so nothing can still be using it.
  int previous = 0;
  if (cudaGetDevice(&previous) != cudaSuccess) cudaGetLastError();
  if (previous != b.device && cudaSetDevice(b.device) != cudaSuccess) cudaGetLastError();
  if (cudaFree(ptr) != cudaSuccess) cudaGetLastError();
  if (previous != b.device && cudaSetDevice(previous) != cudaSuccess) cudaGetLastError();
  m.reserved -= int64_t(b.size);
  m.device_frees += 1;
}

size_t device_size(const void* ptr) {
  State& st = state();
  std::lock_guard<std::mutex> lock(st.mu);
  auto it = st.live.find(const_cast<void*>(ptr));
  return it == st.live.end() ? 0 : it->second.requested;
}

MemoryStats memory_stats(int device) {
  State& st = state();
  std::lock_guard<std::mutex> lock(st.mu);
  auto it = st.stats.find(device);
  return it == st.stats.end() ? MemoryStats{} : it->second;
}

void empty_cache(int device) {
  require_device(device, "emptyCache");
  detail::DeviceScope scope(device, "emptyCache");
  detail::check(cudaDeviceSynchronize(), "emptyCache", device, "cudaDeviceSynchronize");
  State& st = state();
  std::lock_guard<std::mutex> lock(st.mu);
  release_cached(st, device, 0);
}

void reset_peak_stats(int device) {
  State& st = state();
  std::lock_guard<std::mutex> lock(st.mu);
  MemoryStats& m = st.stats[device];
  m.peak_allocated = m.allocated;
  m.peak_reserved = m.reserved;
}

}  // namespace kiln::cuda
