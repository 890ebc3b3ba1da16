// sgemm(transA, transB, batch, m, n, k, alpha, a, b, beta, c)
// a holds batch (or 1, broadcast) matrices op(A) m x k; b likewise k x n; c batch x m x n.
#include "args.h"
#include "async.h"
#include "gemm_args.h"
#include "kiln/sgemm.h"
#include "registry.h"

namespace kiln::binding {
namespace {

Napi::Value sgemm_js(const Napi::CallbackInfo& info, bool async) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const GemmArgs g = gemm_args(info, 0, "sgemm");
    const GemmShape s = g.shape;
    const int64_t batch = g.batch, sa = g.stride_a, sb = g.stride_b, sc = g.stride_c;
    const float alpha = g.alpha, beta = g.beta;
    const float *pa = g.a.data, *pb = g.b.data;
    float* pc = g.c.data;
    return run_kernel(info, async, [=] { sgemm_batched(s, batch, alpha, pa, sa, pb, sb, beta, pc, sc); });
  });
}

}  // namespace

void register_gemm(Napi::Env env, Napi::Object exports) { export_pair(env, exports, "sgemm", sgemm_js); }

KILN_BINDING(register_gemm);

}  // namespace kiln::binding
