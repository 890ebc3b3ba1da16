// Internal to native/cuda: how streams tell the caching allocator they exist.
#pragma once
#include <cstdint>

namespace kiln::cuda::detail {

/// A new stream's blocks may be cached for reuse on it.
void register_stream(uint64_t id);
/// The stream is gone (and was synchronized): its cached blocks go back to the driver,
/// and its blocks still in use are freed to the driver when they come back.
void unregister_stream(int device, uint64_t id);

}  // namespace kiln::cuda::detail
