// Errors raised by plain C++ kernels. The binding turns them into JS errors:
// ShapeError -> RangeError, ArgumentError -> TypeError, NativeError -> KilnNativeError.
// Kernels never print, exit or abort.
#pragma once
#include <stdexcept>
#include <string>

namespace kiln {

struct ShapeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ArgumentError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct NativeError : std::runtime_error {
  NativeError(std::string code, std::string op, std::string device, const std::string& message)
      : std::runtime_error(message), code(std::move(code)), op(std::move(op)), device(std::move(device)) {}
  std::string code;    // e.g. "OUT_OF_MEMORY", "CUDA_ERROR", "NO_DEVICE"
  std::string op;      // kernel name, e.g. "MatMul"
  std::string device;  // "cpu", "cuda:0"
};

}  // namespace kiln
