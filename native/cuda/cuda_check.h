// Internal to native/cuda: every CUDA status becomes a kiln::NativeError, and device
// state is owned by RAII objects for the length of one call, so a throw mid-call leaks
// no memory and leaves the thread's current device as it found it. Kept out of
// include/kiln because the binding compiles without CUDA headers.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <string>

#include "kiln/errors.h"

namespace kiln::cuda::detail {

inline std::string device_label(int device) { return "cuda:" + std::to_string(device); }

/// Allocation failures and missing devices get their own codes: callers react to those
/// (free caches, fall back to the CPU); everything else is a plain CUDA_ERROR.
inline const char* error_code(cudaError_t e) {
  switch (e) {
    case cudaErrorMemoryAllocation: return "OUT_OF_MEMORY";
    case cudaErrorNoDevice:
    case cudaErrorInvalidDevice:
    case cudaErrorInsufficientDriver:
    case cudaErrorStubLibrary: return "NO_DEVICE";
    default: return "CUDA_ERROR";
  }
}

[[noreturn]] inline void throw_cuda(cudaError_t e, const char* op, int device, const std::string& what) {
  cudaGetLastError();  // clear a non-sticky error so the next call on this thread starts clean
  throw NativeError(error_code(e), op, device_label(device),
                    std::string(op) + " on " + device_label(device) + ": " + what + " failed: " +
                        cudaGetErrorString(e) + " (" + cudaGetErrorName(e) + ")");
}

inline void check(cudaError_t e, const char* op, int device, const char* what) {
  if (e != cudaSuccess) throw_cuda(e, op, device, what);
}

/// Makes `device` current on this thread and restores the previous one on exit.
class DeviceScope {
 public:
  DeviceScope(int device, const char* op) : device_(device) {
    check(cudaGetDevice(&previous_), op, device, "cudaGetDevice");
    if (previous_ != device_) check(cudaSetDevice(device_), op, device, "cudaSetDevice");
  }
  ~DeviceScope() {
    if (previous_ != device_) cudaSetDevice(previous_);
  }
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;

 private:
  int device_;
  int previous_ = 0;
};

/// Device memory for `floats` floats on the current device (none for 0).
class DeviceBuffer {
 public:
  DeviceBuffer(size_t floats, const char* op, int device) {
    if (floats == 0) return;
    cudaError_t e = cudaMalloc(reinterpret_cast<void**>(&ptr_), floats * sizeof(float));
    if (e != cudaSuccess) {
      ptr_ = nullptr;
      throw_cuda(e, op, device, "cudaMalloc of " + std::to_string(floats * sizeof(float)) + " bytes");
    }
  }
  ~DeviceBuffer() {
    if (ptr_ != nullptr) cudaFree(ptr_);  // a failing free cannot be reported from here
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  float* get() const { return ptr_; }

 private:
  float* ptr_ = nullptr;
};

/// A CUDA event for device-side timing.
class Event {
 public:
  Event(const char* op, int device) { check(cudaEventCreate(&event_), op, device, "cudaEventCreate"); }
  ~Event() { cudaEventDestroy(event_); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  cudaEvent_t get() const { return event_; }

 private:
  cudaEvent_t event_ = nullptr;
};

}  // namespace kiln::cuda::detail
