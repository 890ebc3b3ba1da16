// sgemm(transA, transB, batch, m, n, k, alpha, a, b, beta, c)
// a holds batch (or 1, broadcast) matrices op(A) m x k; b likewise k x n; c batch x m x n.
// gemmPlan(m, n, k, transA, transB, simd, l1d, l2, l3, threads) -> how sgemm would run that
// shape on such a core with up to that many threads; cpuCaches() -> the detected cache sizes.
#include "args.h"
#include "async.h"
#include "gemm_args.h"
#include "kiln/cpu_caches.h"
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

Napi::Value gemm_plan_js(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const char* fn = "gemmPlan";
    GemmShape s;
    s.m = int_arg(info, 0, fn, "m");
    s.n = int_arg(info, 1, fn, "n");
    s.k = int_arg(info, 2, fn, "k");
    s.trans_a = bool_arg(info, 3, fn, "transA");
    s.trans_b = bool_arg(info, 4, fn, "transB");
    s.lda = s.trans_a ? s.m : s.k;
    s.ldb = s.trans_b ? s.k : s.n;
    s.ldc = s.n;
    if (!info[5].IsString()) throw ArgumentError("gemmPlan: simd must be a string");
    const std::string text = info[5].As<Napi::String>().Utf8Value();
    SimdLevel level;
    if (!parse_simd_level(text.c_str(), &level))
      throw ShapeError("gemmPlan: simd must be one of scalar, avx2, avx512; got '" + text + "'");
    CacheSizes caches;
    caches.l1d = int_arg(info, 6, fn, "l1d", 1);
    caches.l2 = int_arg(info, 7, fn, "l2", 1);
    caches.l3 = int_arg(info, 8, fn, "l3", 1);
    const int threads = static_cast<int>(int_arg(info, 9, fn, "threads", 1, 1024));
    const SgemmPlanInfo p = sgemm_plan(s, level, caches, threads);
    Napi::Env env = info.Env();
    Napi::Object out = Napi::Object::New(env);
    out.Set("kernel", p.kernel);
    out.Set("mr", p.mr);
    out.Set("nr", p.nr);
    out.Set("kc", static_cast<double>(p.kc));
    out.Set("kBlocks", static_cast<double>(p.k_blocks));
    out.Set("nc", static_cast<double>(p.nc));
    out.Set("mc", static_cast<double>(p.mc));
    out.Set("packA", p.pack_a);
    out.Set("threads", p.threads);
    out.Set("colTasks", static_cast<double>(p.col_tasks));
    out.Set("rowTasks", static_cast<double>(p.row_tasks));
    return out;
  });
}

Napi::Value cpu_caches_js(const Napi::CallbackInfo& info) {
  const CacheSizes& c = cpu_caches();
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("l1d", static_cast<double>(c.l1d));
  out.Set("l2", static_cast<double>(c.l2));
  out.Set("l3", static_cast<double>(c.l3));
  out.Set("l3Sharing", c.l3_sharing);
  return out;
}

}  // namespace

void register_gemm(Napi::Env env, Napi::Object exports) {
  export_pair(env, exports, "sgemm", sgemm_js);
  exports.Set("gemmPlan", Napi::Function::New(env, gemm_plan_js, "gemmPlan"));
  exports.Set("cpuCaches", Napi::Function::New(env, cpu_caches_js, "cpuCaches"));
}

KILN_BINDING(register_gemm);

}  // namespace kiln::binding
