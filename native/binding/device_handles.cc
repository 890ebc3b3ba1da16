#include "device_handles.h"

#if KILN_HAS_CUDA
#include <string>

namespace kiln::binding {
namespace {

// Random 128-bit tags (napi_type_tag): which kind of external a handle is.
constexpr napi_type_tag kBufferTag = {0x6b696c6e2d627566ULL, 0x9c1d5e0f3a7b4c21ULL};
constexpr napi_type_tag kStreamTag = {0x6b696c6e2d737472ULL, 0x51e8a3d40b6f7c92ULL};

struct StreamBox {
  cuda::Stream* stream;
};

void finalize_buffer(napi_env, void* data, void*) {
  auto* b = static_cast<DeviceBlock*>(data);
  free_buffer(*b);
  delete b;
}

void finalize_stream(napi_env, void* data, void*) {
  auto* box = static_cast<StreamBox*>(data);
  cuda::stream_destroy(box->stream);
  delete box;
}

napi_value wrap(napi_env env, void* data, napi_finalize fin, const napi_type_tag* tag) {
  napi_value v;
  if (napi_create_external(env, data, fin, nullptr, &v) != napi_ok || napi_type_tag_object(env, v, tag) != napi_ok) {
    fin(env, data, nullptr);
    throw NativeError("INTERNAL", "cuda", "cuda", "could not create a handle (napi_create_external)");
  }
  return v;
}

void* unwrap(const FastArgs& a, size_t i, const napi_type_tag* tag, const char* name, const char* expected) {
  napi_value v = a.raw(i);
  bool tagged = false;
  void* data = nullptr;
  napi_valuetype t;
  if (napi_typeof(a.env(), v, &t) != napi_ok || t != napi_external ||
      napi_check_object_type_tag(a.env(), v, tag, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(a.env(), v, &data) != napi_ok)
    throw ArgumentError(std::string(a.fn()) + ": " + name + " must be " + expected);
  return data;
}

}  // namespace

napi_value wrap_buffer(napi_env env, void* ptr, size_t bytes, int device) {
  return wrap(env, new DeviceBlock{ptr, bytes, device}, finalize_buffer, &kBufferTag);
}

napi_value wrap_stream(napi_env env, cuda::Stream* s) { return wrap(env, new StreamBox{s}, finalize_stream, &kStreamTag); }

DeviceBlock& buffer_arg(const FastArgs& a, size_t i, const char* name) {
  auto* b = static_cast<DeviceBlock*>(unwrap(a, i, &kBufferTag, name, "a device buffer (cudaAlloc)"));
  if (b->ptr == nullptr) throw ShapeError(std::string(a.fn()) + ": " + name + " was already freed");
  return *b;
}

DeviceBlock* optional_buffer(const FastArgs& a, size_t i, const char* name) {
  return a.nullish(i) ? nullptr : &buffer_arg(a, i, name);
}

cuda::Stream* stream_arg(const FastArgs& a, size_t i) {
  auto* box = static_cast<StreamBox*>(unwrap(a, i, &kStreamTag, "stream", "a stream (cudaStreamCreate)"));
  if (box->stream == nullptr) throw ShapeError(std::string(a.fn()) + ": the stream was destroyed");
  return box->stream;
}

void destroy_stream(const FastArgs& a, size_t i) {
  auto* box = static_cast<StreamBox*>(unwrap(a, i, &kStreamTag, "stream", "a stream (cudaStreamCreate)"));
  cuda::stream_destroy(box->stream);
  box->stream = nullptr;
}

void check_bytes(const FastArgs& a, const DeviceBlock& b, int64_t bytes, const char* name, const char* what) {
  if (bytes < 0 || b.bytes < size_t(bytes))
    throw ShapeError(std::string(a.fn()) + ": " + name + " holds " + std::to_string(b.bytes) + " bytes; " +
                     std::to_string(bytes) + " needed (" + what + ")");
}

void free_buffer(DeviceBlock& b) {
  cuda::device_free(b.ptr);
  b.ptr = nullptr;
}

}  // namespace kiln::binding
#endif  // KILN_HAS_CUDA
