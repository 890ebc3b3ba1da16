// CUDA entry points as plain C++ (no CUDA headers), so the binding compiles with or
// without the toolkit. Without a GPU or driver every query reports zero devices.
#pragma once
#include <string>

namespace kiln::cuda {

/// Number of usable CUDA devices; 0 (never an error) without a driver or GPU.
int device_count();
/// Why there are no devices ("" when there are), e.g. "no CUDA driver".
std::string unavailable_reason();

}  // namespace kiln::cuda
