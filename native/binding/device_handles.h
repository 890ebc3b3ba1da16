// JS handles for CUDA streams and device buffers: N-API externals, type-tagged so a
// buffer cannot be passed where a stream is expected (or a plain object for either).
// A buffer handle owns its block: freeing it (cudaFree from JS, or the finalizer when
// the handle is garbage collected) returns the block to the caching allocator. Only
// built with CUDA; without it the cuda* functions are stubs (bind_cuda_memory.cc).
#pragma once
#include <napi.h>

#include <cstddef>
#include <cstdint>

#include "fast_args.h"
#include "kiln/cuda_device.h"

namespace kiln::binding {

struct DeviceBlock {
  void* ptr;     // null once freed
  size_t bytes;  // what was asked for: the tensor's size
  int device;
};

/// A new handle that owns `ptr` (from cuda::device_alloc).
napi_value wrap_buffer(napi_env env, void* ptr, size_t bytes, int device);
/// A new handle that owns stream `s`.
napi_value wrap_stream(napi_env env, cuda::Stream* s);

/// The live buffer behind argument i: TypeError for anything but a buffer handle,
/// RangeError for one already freed.
DeviceBlock& buffer_arg(const FastArgs& a, size_t i, const char* name);
/// Like buffer_arg, but null / undefined give nullptr.
DeviceBlock* optional_buffer(const FastArgs& a, size_t i, const char* name);
/// The live stream behind argument i.
cuda::Stream* stream_arg(const FastArgs& a, size_t i);
/// Destroys the stream behind argument i now (later uses throw); idempotent.
void destroy_stream(const FastArgs& a, size_t i);

/// RangeError unless the buffer holds at least `bytes`; `what` says where the size came from.
void check_bytes(const FastArgs& a, const DeviceBlock& b, int64_t bytes, const char* name, const char* what);
/// Returns the block to the allocator (stream-ordered, see kiln/cuda_device.h); idempotent.
void free_buffer(DeviceBlock& b);

}  // namespace kiln::binding
