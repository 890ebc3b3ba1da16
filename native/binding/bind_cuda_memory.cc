// Streams, device buffers and copies for the kiln-cuda backend (kiln/cuda_device.h):
// cudaStreamCreate(device) -> stream            cudaStreamDestroy(stream)
// cudaStreamSync(stream)                        cudaStreamSyncAsync(stream) -> Promise
// cudaAlloc(stream, bytes) -> buffer            cudaFree(buffer)
// cudaUpload(stream, buffer, typedArray)        cudaDownload(stream, buffer, typedArray)
// cudaDownloadAsync(stream, buffer, typedArray) -> Promise (the event loop stays free)
// cudaCopy(stream, dst, dstOffset, dstPitch, src, srcOffset, srcPitch, rowBytes, rows)
// cudaMemory(device) -> stats                   cudaEmptyCache(device)
// cudaResetPeakMemory(device)                   cudaSetTf32(on) -> previous, cudaTf32()
// Typed arrays are used in place (byteOffset respected); their byte length is the copy's.
#include <napi.h>

#include <exception>

#include "cuda_entry.h"
#include "device_handles.h"
#include "kiln/checked.h"
#include "kiln/cuda_kernels.h"
#include "registry.h"

namespace kiln::binding {
namespace {

#if KILN_HAS_CUDA

constexpr int64_t kMaxDevice = 1023;
constexpr unsigned kAnyTyped = kF32 | kI32 | kU8;
constexpr const char* kTypedExpected = "a Float32Array, an Int32Array or a Uint8Array";

// Finishes a download_begin on a libuv thread; holds the destination array meanwhile.
class DownloadWorker : public Napi::AsyncWorker {
 public:
  DownloadWorker(Napi::Env env, cuda::PendingCopy* pending, void* dst, napi_value array)
      : Napi::AsyncWorker(env, "kiln.cudaDownload"), pending_(pending), dst_(dst),
        deferred_(Napi::Promise::Deferred::New(env)) {
    if (array != nullptr) array_ = Napi::Persistent(Napi::Value(env, array).As<Napi::Object>());
  }
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      cuda::PendingCopy* p = pending_;
      pending_ = nullptr;
      cuda::download_end(p, dst_);
    } catch (...) {
      error_ = std::current_exception();
    }
  }
  void OnOK() override {
    if (error_) deferred_.Reject(to_js_error(Env(), error_).Value());
    else deferred_.Resolve(Env().Undefined());
  }

 private:
  cuda::PendingCopy* pending_;
  void* dst_;
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference array_;
  std::exception_ptr error_;
};

napi_value queue_download(const FastArgs& a, cuda::Stream* s, const void* src, size_t bytes, void* dst) {
  cuda::PendingCopy* p = cuda::download_begin(s, src, bytes, a.fn());
  auto* worker = new DownloadWorker(Napi::Env(a.env()), p, dst, bytes ? a.raw(2) : nullptr);
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

int device_arg(const FastArgs& a, size_t i) { return static_cast<int>(a.integer(i, "device", 0, kMaxDevice)); }

napi_value stream_create_js(const FastArgs& a) { return wrap_stream(a.env(), cuda::stream_create(device_arg(a, 0))); }

napi_value stream_destroy_js(const FastArgs& a) {
  destroy_stream(a, 0);
  return nullptr;
}

napi_value stream_sync_js(const FastArgs& a) {
  cuda::stream_synchronize(stream_arg(a, 0), a.fn());
  return nullptr;
}

napi_value stream_sync_async_js(const FastArgs& a) { return queue_download(a, stream_arg(a, 0), nullptr, 0, nullptr); }

napi_value alloc_js(const FastArgs& a) {
  cuda::Stream* s = stream_arg(a, 0);
  const int64_t bytes = a.integer(1, "bytes", 0, int64_t(1) << 46);
  void* p = cuda::device_alloc(s, size_t(bytes), "alloc");
  return wrap_buffer(a.env(), p, size_t(bytes), cuda::stream_device(s));
}

napi_value free_js(const FastArgs& a) {
  free_buffer(buffer_arg(a, 0, "buffer"));
  return nullptr;
}

// (stream, buffer, typed array) of a copy; the array must fit in the buffer.
struct Transfer {
  cuda::Stream* stream;
  DeviceBlock* buffer;
  void* host;
  size_t bytes;
};

Transfer transfer_args(const FastArgs& a) {
  cuda::Stream* s = stream_arg(a, 0);
  DeviceBlock& b = buffer_arg(a, 1, "buffer");
  const FastArgs::Any h = a.typed(2, "array", kAnyTyped, kTypedExpected);
  const size_t bytes = h.length * element_bytes(h.type);
  check_bytes(a, b, int64_t(bytes), "buffer", "the array's byte length");
  return {s, &b, h.data, bytes};
}

napi_value upload_js(const FastArgs& a) {
  const Transfer t = transfer_args(a);
  cuda::upload(t.stream, t.buffer->ptr, t.host, t.bytes);
  return nullptr;
}

napi_value download_js(const FastArgs& a) {
  const Transfer t = transfer_args(a);
  cuda::download(t.stream, t.host, t.buffer->ptr, t.bytes);
  return nullptr;
}

napi_value download_async_js(const FastArgs& a) {
  const Transfer t = transfer_args(a);
  return queue_download(a, t.stream, t.buffer->ptr, t.bytes, t.host);
}

napi_value copy_js(const FastArgs& a) {
  cuda::Stream* s = stream_arg(a, 0);
  DeviceBlock& dst = buffer_arg(a, 1, "dst");
  constexpr int64_t kMax = int64_t(1) << 46;
  const int64_t dst_off = a.integer(2, "dstOffset", 0, kMax), dst_pitch = a.integer(3, "dstPitch", 0, kMax);
  DeviceBlock& src = buffer_arg(a, 4, "src");
  const int64_t src_off = a.integer(5, "srcOffset", 0, kMax), src_pitch = a.integer(6, "srcPitch", 0, kMax);
  const int64_t row = a.integer(7, "rowBytes", 0, kMax), rows = a.integer(8, "rows", 0, kMax);
  if (rows == 0 || row == 0) return nullptr;
  if (rows > 1 && (dst_pitch < row || src_pitch < row))
    throw ShapeError(std::string(a.fn()) + ": dstPitch and srcPitch must be >= rowBytes");
  const char* what = "offset + rows x pitch";
  check_bytes(a, dst, checked_add(checked_add(dst_off, checked_mul(rows - 1, dst_pitch, a.fn(), what), a.fn(), what), row, a.fn(), what), "dst", what);
  check_bytes(a, src, checked_add(checked_add(src_off, checked_mul(rows - 1, src_pitch, a.fn(), what), a.fn(), what), row, a.fn(), what), "src", what);
  cuda::copy_rows(s, static_cast<char*>(dst.ptr) + dst_off, size_t(dst_pitch), static_cast<const char*>(src.ptr) + src_off,
                  size_t(src_pitch), size_t(row), size_t(rows));
  return nullptr;
}

napi_value memory_js(const FastArgs& a) {
  const cuda::MemoryStats m = cuda::memory_stats(device_arg(a, 0));
  Napi::Env env(a.env());
  Napi::Object o = Napi::Object::New(env);
  const std::pair<const char*, int64_t> fields[] = {
      {"allocated", m.allocated},       {"requested", m.requested},         {"reserved", m.reserved},
      {"peakAllocated", m.peak_allocated}, {"peakReserved", m.peak_reserved}, {"activeBlocks", m.active_blocks},
      {"cachedBlocks", m.cached_blocks}, {"allocations", m.allocations},     {"cacheHits", m.cache_hits},
      {"deviceMallocs", m.device_mallocs}, {"deviceFrees", m.device_frees}, {"outOfMemory", m.out_of_memory}};
  for (const auto& [name, v] : fields) o.Set(name, Napi::Number::New(env, double(v)));
  return o;
}

napi_value empty_cache_js(const FastArgs& a) {
  cuda::empty_cache(device_arg(a, 0));
  return nullptr;
}

napi_value reset_peak_js(const FastArgs& a) {
  cuda::reset_peak_stats(device_arg(a, 0));
  return nullptr;
}

napi_value set_tf32_js(const FastArgs& a) {
  const bool previous = cuda::tf32_enabled();
  cuda::set_tf32(a.boolean(0, "on"));
  return Napi::Boolean::New(a.env(), previous);
}

napi_value tf32_js(const FastArgs& a) { return Napi::Boolean::New(a.env(), cuda::tf32_enabled()); }

#endif  // KILN_HAS_CUDA

}  // namespace

void register_cuda_memory(Napi::Env env, Napi::Object exports) {
  define_fast(env, exports, "cudaStreamCreate", KILN_CUDA_ENTRY(stream_create_js));
  define_fast(env, exports, "cudaStreamDestroy", KILN_CUDA_ENTRY(stream_destroy_js));
  define_fast(env, exports, "cudaStreamSync", KILN_CUDA_ENTRY(stream_sync_js));
  define_fast(env, exports, "cudaStreamSyncAsync", KILN_CUDA_ENTRY(stream_sync_async_js));
  define_fast(env, exports, "cudaAlloc", KILN_CUDA_ENTRY(alloc_js));
  define_fast(env, exports, "cudaFree", KILN_CUDA_ENTRY(free_js));
  define_fast(env, exports, "cudaUpload", KILN_CUDA_ENTRY(upload_js));
  define_fast(env, exports, "cudaDownload", KILN_CUDA_ENTRY(download_js));
  define_fast(env, exports, "cudaDownloadAsync", KILN_CUDA_ENTRY(download_async_js));
  define_fast(env, exports, "cudaCopy", KILN_CUDA_ENTRY(copy_js));
  define_fast(env, exports, "cudaMemory", KILN_CUDA_ENTRY(memory_js));
  define_fast(env, exports, "cudaEmptyCache", KILN_CUDA_ENTRY(empty_cache_js));
  define_fast(env, exports, "cudaResetPeakMemory", KILN_CUDA_ENTRY(reset_peak_js));
  define_fast(env, exports, "cudaSetTf32", KILN_CUDA_ENTRY(set_tf32_js));
  define_fast(env, exports, "cudaTf32", KILN_CUDA_ENTRY(tf32_js));
}

KILN_BINDING(register_cuda_memory);

}  // namespace kiln::binding
