// Device discovery. Queries never throw when the machine has no driver or GPU: a
// CPU-only worker must load the addon and report zero devices.
#include <cuda_runtime.h>

#include "cuda_check.h"
#include "kiln/cuda.h"

namespace kiln::cuda {

using detail::check;
using detail::device_label;

int device_count() {
  int n = 0;
  cudaError_t err = cudaGetDeviceCount(&n);
  if (err != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error so later queries start clean
    return 0;
  }
  return n;
}

namespace {

std::string version_text(int v) { return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10); }

}  // namespace

std::string unavailable_reason() {
  int n = 0;
  cudaError_t err = cudaGetDeviceCount(&n);
  if (err == cudaSuccess) return n > 0 ? "" : "no CUDA device found";
  cudaGetLastError();
  // cudart reports a missing libcuda as "insufficient driver"; a driver version of 0
  // tells that apart from a driver that is merely too old.
  int driver = 0;
  if (cudaDriverGetVersion(&driver) != cudaSuccess) cudaGetLastError();
  if (driver == 0) return "no NVIDIA driver found (CUDA driver API unavailable)";
  int runtime = 0;
  if (cudaRuntimeGetVersion(&runtime) != cudaSuccess) cudaGetLastError();
  switch (err) {
    case cudaErrorInsufficientDriver:
      return "NVIDIA driver too old: it supports CUDA " + version_text(driver) + ", the addon needs CUDA " +
             version_text(runtime);
    case cudaErrorNoDevice: return "no CUDA device found (NVIDIA driver for CUDA " + version_text(driver) + ")";
    case cudaErrorStubLibrary: return "the CUDA driver found is a stub library, not a real NVIDIA driver";
    default: return std::string(cudaGetErrorString(err)) + " (" + cudaGetErrorName(err) + ")";
  }
}

void require_device(int device, const char* op) {
  const int n = device_count();
  const std::string where = std::string(op) + " on " + device_label(device) + ": ";
  if (n == 0)
    throw NativeError("NO_DEVICE", op, device_label(device), where + "no CUDA device: " + unavailable_reason());
  if (device < 0 || device >= n)
    throw NativeError("NO_DEVICE", op, device_label(device),
                      where + "no such device (this machine has " + std::to_string(n) + " CUDA device" +
                          (n == 1 ? ")" : "s)"));
}

DeviceInfo device_info(int device) {
  require_device(device, "deviceInfo");
  cudaDeviceProp p;
  check(cudaGetDeviceProperties(&p, device), "deviceInfo", device, "cudaGetDeviceProperties");
  DeviceInfo info;
  info.name = p.name;
  info.total_memory = static_cast<int64_t>(p.totalGlobalMem);
  info.major = p.major;
  info.minor = p.minor;
  info.multiprocessors = p.multiProcessorCount;
  return info;
}

}  // namespace kiln::cuda
