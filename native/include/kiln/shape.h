// A dense row-major tensor shape as the kernels receive it: a fixed-size array, so
// passing one costs no allocation on the per-call path.
#pragma once
#include <cstdint>
#include <string>

#include "kiln/checked.h"

namespace kiln {

/// Highest rank a kernel accepts (tfjs itself tops out at 6 for most kernels).
constexpr int kMaxRank = 8;

struct Shape {
  int rank = 0;
  int64_t dims[kMaxRank] = {};

  /// Number of elements; ShapeError when a dim is negative or the product passes
  /// kMaxElements (an unchecked product wraps, and a wrapped 0 matches an empty array).
  int64_t size() const {
    int64_t n = 1;
    for (int i = 0; i < rank; ++i)
      if (!size_mul(n, dims[i], &n)) throw ShapeError("shape " + str() + " has a negative dim or more than 2^48 elements");
    return n;
  }
  /// "[2,3,4]" for error messages.
  std::string str() const {
    std::string s = "[";
    for (int i = 0; i < rank; ++i) s += (i ? "," : "") + std::to_string(dims[i]);
    return s + "]";
  }
};

}  // namespace kiln
