// Checked size arithmetic. Every element count, byte count and offset a kernel or binding
// derives from caller-supplied sizes is multiplied here: plain int64 products wrap
// ([65536,65536,65536,65536] is 2^64, i.e. 0), and a wrapped size that matches an empty
// array lets a kernel read and write far outside it.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>

#include "kiln/errors.h"

namespace kiln {

/// The most elements (or bytes) any size may reach: beyond every typed array and device
/// buffer, and small enough that a count times 8 bytes or two counts added cannot overflow.
constexpr int64_t kMaxElements = int64_t(1) << 48;

/// a * b for sizes in [0, kMaxElements]; false when either is negative or the product is
/// larger (out is then unspecified).
inline bool size_mul(int64_t a, int64_t b, int64_t* out) {
  if (a < 0 || b < 0) return false;
  return !__builtin_mul_overflow(a, b, out) && *out <= kMaxElements;
}

[[noreturn]] inline void throw_size_overflow(const char* fn, const char* what) {
  throw ShapeError(std::string(fn) + ": " + what + " is negative or has more than 2^48 elements");
}

/// a * b, or ShapeError "fn: what is negative or has more than 2^48 elements".
inline int64_t checked_mul(int64_t a, int64_t b, const char* fn, const char* what) {
  int64_t out;
  if (!size_mul(a, b, &out)) throw_size_overflow(fn, what);
  return out;
}

/// The product of dims, checked as checked_mul does.
inline int64_t checked_product(std::initializer_list<int64_t> dims, const char* fn, const char* what) {
  int64_t p = 1;
  for (int64_t d : dims) p = checked_mul(p, d, fn, what);
  return p;
}

/// a + b for sizes in [0, kMaxElements], checked the same way.
inline int64_t checked_add(int64_t a, int64_t b, const char* fn, const char* what) {
  if (a < 0 || b < 0 || a > kMaxElements - b) throw_size_overflow(fn, what);
  return a + b;
}

}  // namespace kiln
