// Device memory, streams and host <-> device copies, as plain C++ (no CUDA headers) so
// the binding and the ctest programs compile without the toolkit's headers.
//
// Memory comes from a process-wide caching allocator (like PyTorch's): freed blocks go
// back to a free list keyed by (device, stream, size class) instead of cudaFree, so a
// training step that allocates the same sizes every time never calls cudaMalloc after
// the first step. A block is reused only by the stream it was allocated on, so reuse is
// ordered after every kernel that used it without any event bookkeeping.
// Errors throw kiln::NativeError {code, op, device}: OUT_OF_MEMORY (after the cache
// was emptied and cudaMalloc still failed), NO_DEVICE, or CUDA_ERROR.
#pragma once
#include <cstddef>
#include <cstdint>

namespace kiln::cuda {

/// One CUDA stream on one device (a backend instance owns one). Opaque outside native/cuda.
struct Stream;

/// Creates a non-blocking stream on `device` (throws NO_DEVICE for a bad index).
Stream* stream_create(int device);
/// Waits for the stream's work, returns its cached blocks to the device and destroys it.
/// Never throws (it runs from finalizers); blocks still allocated are freed later.
void stream_destroy(Stream* s) noexcept;
/// Blocks the calling thread until every operation queued on `s` has finished; throws
/// the first asynchronous error (a failed kernel) as CUDA_ERROR naming `op`.
void stream_synchronize(Stream* s, const char* op);
int stream_device(const Stream* s);

/// Allocator counters of one device, in bytes and counts since the process started.
struct MemoryStats {
  int64_t allocated = 0;       // bytes in blocks handed out now (size-class rounded)
  int64_t requested = 0;       // bytes callers asked for, of the blocks handed out now
  int64_t reserved = 0;        // bytes cudaMalloc'd and not yet returned to the driver
  int64_t peak_allocated = 0;  // high-water marks since the last reset_peak_stats
  int64_t peak_reserved = 0;
  int64_t active_blocks = 0;   // blocks handed out now
  int64_t cached_blocks = 0;   // blocks on free lists
  int64_t allocations = 0;     // device_alloc calls
  int64_t cache_hits = 0;      // ... served from a free list
  int64_t device_mallocs = 0;  // cudaMalloc calls
  int64_t device_frees = 0;    // cudaFree calls
  int64_t out_of_memory = 0;   // allocations that failed even after emptying the cache
};

/// `bytes` (>= 1; 0 is treated as 1) of device memory for work on `s`, 256-byte aligned.
void* device_alloc(Stream* s, size_t bytes, const char* op);
/// Returns a block from device_alloc to its stream's free list (or to the driver when
/// its stream is gone). Safe while kernels queued on that stream still use it. Null is ignored.
void device_free(void* ptr) noexcept;
/// The size the caller asked for when `ptr` was allocated (0 if ptr is not a live block).
size_t device_size(const void* ptr);
MemoryStats memory_stats(int device);
/// Waits for the device, then returns every cached (free) block to the driver.
void empty_cache(int device);
void reset_peak_stats(int device);

/// Copies host -> device in stream order; `src` may be reused as soon as this returns.
void upload(Stream* s, void* dst, const void* src, size_t bytes);
/// Copies device -> host in stream order and waits for it (and everything before it).
void download(Stream* s, void* dst, const void* src, size_t bytes);
/// Copies device -> device in stream order: `rows` rows of `row_bytes`, each row of
/// dst `dst_pitch` and of src `src_pitch` bytes apart (a plain copy when rows == 1).
void copy_rows(Stream* s, void* dst, size_t dst_pitch, const void* src, size_t src_pitch, size_t row_bytes,
               size_t rows);

/// An asynchronous device -> host copy: started on the stream's thread, finished on any.
struct PendingCopy;
/// Queues the copy of `bytes` from `src` into pinned staging memory and an event after
/// it. bytes == 0 just marks the point in the stream (a sync fence).
PendingCopy* download_begin(Stream* s, const void* src, size_t bytes, const char* op);
/// Waits for the copy (from any thread), moves the bytes into `dst` and releases the
/// staging memory; the PendingCopy is gone afterwards, also when this throws.
void download_end(PendingCopy* p, void* dst);

}  // namespace kiln::cuda
