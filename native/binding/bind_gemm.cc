// sgemm(transA, transB, batch, m, n, k, alpha, a, b, beta, c)
// a holds batch (or 1, broadcast) matrices op(A) m x k; b likewise k x n; c batch x m x n.
#include <string>

#include "args.h"
#include "async.h"
#include "kiln/sgemm.h"
#include "registry.h"

namespace kiln::binding {
namespace {

std::string dims(int64_t a, int64_t b, int64_t c) {
  return std::to_string(a) + "x" + std::to_string(b) + "x" + std::to_string(c);
}

Napi::Value sgemm_js(const Napi::CallbackInfo& info, bool async) {
  constexpr const char* fn = "sgemm";
  return guarded(info.Env(), [&]() -> Napi::Value {
    GemmShape s;
    s.trans_a = bool_arg(info, 0, fn, "transA");
    s.trans_b = bool_arg(info, 1, fn, "transB");
    const int64_t batch = int_arg(info, 2, fn, "batch", 1);
    s.m = int_arg(info, 3, fn, "m", 1);
    s.n = int_arg(info, 4, fn, "n", 1);
    s.k = int_arg(info, 5, fn, "k", 0);
    const float alpha = static_cast<float>(num_arg(info, 6, fn, "alpha"));
    auto a = f32_arg(info, 7, fn, "a");
    auto b = f32_arg(info, 8, fn, "b");
    const float beta = static_cast<float>(num_arg(info, 9, fn, "beta"));
    auto c = f32_arg(info, 10, fn, "c");

    const int64_t a_size = s.m * s.k, b_size = s.k * s.n, c_size = s.m * s.n;
    if (a.length != size_t(a_size) && a.length != size_t(batch * a_size))
      throw ShapeError("sgemm: a has " + std::to_string(a.length) + " elements, expected batch x m x k = " +
                       dims(batch, s.m, s.k) + " (or m x k to broadcast)");
    if (b.length != size_t(b_size) && b.length != size_t(batch * b_size))
      throw ShapeError("sgemm: b has " + std::to_string(b.length) + " elements, expected batch x k x n = " +
                       dims(batch, s.k, s.n) + " (or k x n to broadcast)");
    if (c.length != size_t(batch * c_size))
      throw ShapeError("sgemm: c has " + std::to_string(c.length) + " elements, expected batch x m x n = " +
                       dims(batch, s.m, s.n));
    check_no_overlap(c.data, c.length * 4, a.data, a.length * 4, fn, "c", "a");
    check_no_overlap(c.data, c.length * 4, b.data, b.length * 4, fn, "c", "b");

    s.lda = s.trans_a ? s.m : s.k;
    s.ldb = s.trans_b ? s.k : s.n;
    s.ldc = s.n;
    const int64_t sa = a.length == size_t(a_size) ? 0 : a_size;
    const int64_t sb = b.length == size_t(b_size) ? 0 : b_size;
    const float *pa = a.data, *pb = b.data;
    float* pc = c.data;
    return run_kernel(info, async, [=] { sgemm_batched(s, batch, alpha, pa, sa, pb, sb, beta, pc, c_size); });
  });
}

}  // namespace

void register_gemm(Napi::Env env, Napi::Object exports) { export_pair(env, exports, "sgemm", sgemm_js); }

}  // namespace kiln::binding
