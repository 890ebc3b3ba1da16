#include "gemm_args.h"

#include <string>

#include "kiln/checked.h"

namespace kiln::binding {
namespace {

std::string dims(int64_t a, int64_t b, int64_t c) {
  return std::to_string(a) + "x" + std::to_string(b) + "x" + std::to_string(c);
}

}  // namespace

GemmArgs gemm_args(const Napi::CallbackInfo& info, size_t first, const char* fn, bool bf16) {
  GemmArgs g;
  GemmShape& s = g.shape;
  s.trans_a = bool_arg(info, first + 0, fn, "transA");
  s.trans_b = bool_arg(info, first + 1, fn, "transB");
  g.batch = int_arg(info, first + 2, fn, "batch", 1);
  s.m = int_arg(info, first + 3, fn, "m", 1);
  s.n = int_arg(info, first + 4, fn, "n", 1);
  s.k = int_arg(info, first + 5, fn, "k", 0);
  g.alpha = static_cast<float>(num_arg(info, first + 6, fn, "alpha"));
  if (bf16) {
    g.a16 = typed_arg<uint16_t>(info, first + 7, fn, "a", napi_uint16_array, "Uint16Array (bf16)");
    g.b16 = typed_arg<uint16_t>(info, first + 8, fn, "b", napi_uint16_array, "Uint16Array (bf16)");
  } else {
    g.a = f32_arg(info, first + 7, fn, "a");
    g.b = f32_arg(info, first + 8, fn, "b");
  }
  g.beta = static_cast<float>(num_arg(info, first + 9, fn, "beta"));
  g.c = f32_arg(info, first + 10, fn, "c");

  const std::string name(fn);
  const size_t a_length = bf16 ? g.a16.length : g.a.length, b_length = bf16 ? g.b16.length : g.b.length;
  const void* a_data = bf16 ? static_cast<const void*>(g.a16.data) : g.a.data;
  const void* b_data = bf16 ? static_cast<const void*>(g.b16.data) : g.b.data;
  const size_t in_bytes = bf16 ? 2 : 4;
  const int64_t batch = g.batch, a_size = checked_mul(s.m, s.k, fn, "m x k"),
                b_size = checked_mul(s.k, s.n, fn, "k x n"), c_size = checked_mul(s.m, s.n, fn, "m x n");
  const int64_t a_all = checked_mul(batch, a_size, fn, "batch x m x k"),
                b_all = checked_mul(batch, b_size, fn, "batch x k x n"),
                c_all = checked_mul(batch, c_size, fn, "batch x m x n");
  if (a_length != size_t(a_size) && a_length != size_t(a_all))
    throw ShapeError(name + ": a has " + std::to_string(a_length) + " elements, expected batch x m x k = " +
                     dims(batch, s.m, s.k) + " (or m x k to broadcast)");
  if (b_length != size_t(b_size) && b_length != size_t(b_all))
    throw ShapeError(name + ": b has " + std::to_string(b_length) + " elements, expected batch x k x n = " +
                     dims(batch, s.k, s.n) + " (or k x n to broadcast)");
  if (g.c.length != size_t(c_all))
    throw ShapeError(name + ": c has " + std::to_string(g.c.length) + " elements, expected batch x m x n = " +
                     dims(batch, s.m, s.n));
  check_no_overlap(g.c.data, g.c.length * 4, a_data, a_length * in_bytes, fn, "c", "a");
  check_no_overlap(g.c.data, g.c.length * 4, b_data, b_length * in_bytes, fn, "c", "b");

  s.lda = s.trans_a ? s.m : s.k;
  s.ldb = s.trans_b ? s.k : s.n;
  s.ldc = s.n;
  g.stride_a = a_length == size_t(a_size) ? 0 : a_size;
  g.stride_b = b_length == size_t(b_size) ? 0 : b_size;
  g.stride_c = c_size;
  return g;
}

}  // namespace kiln::binding
