// bf16 storage for mixed precision:
//   f32ToBf16(src: Float32Array, dst: Uint16Array)   round to nearest even
//   bf16ToF32(src: Uint16Array, dst: Float32Array)   exact
//   gemmBf16(transA, transB, batch, m, n, k, alpha, a, b, beta, c)   a, b bf16 (Uint16Array),
//     c fp32; the list and checks of sgemm (gemm_args.h)
//   bf16Kernel(simd, avx512bf16) -> the kernel a core with that level runs (pure)
//   cpuHasAvx512Bf16() -> whether this CPU runs AVX512-BF16
#include <string>
#include <type_traits>

#include "args.h"
#include "async.h"
#include "gemm_args.h"
#include "kiln/bf16.h"
#include "registry.h"

namespace kiln::binding {
namespace {

// A Float32Array or a Uint16Array (bf16) argument.
template <class T>
View<T> array_arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  if constexpr (std::is_same_v<T, float>) return f32_arg(info, i, fn, name);
  else return typed_arg<uint16_t>(info, i, fn, name, napi_uint16_array, "Uint16Array (bf16)");
}

// f32ToBf16(src, dst) and bf16ToF32(src, dst): same lengths, no overlap.
template <class Src, class Dst, void (*kConvert)(const Src*, Dst*, int64_t)>
Napi::Value convert_js(const Napi::CallbackInfo& info) {
  const char* fn = std::is_same_v<Src, float> ? "f32ToBf16" : "bf16ToF32";
  return guarded(info.Env(), [&]() -> Napi::Value {
    const View<Src> src = array_arg<Src>(info, 0, fn, "src");
    const View<Dst> dst = array_arg<Dst>(info, 1, fn, "dst");
    if (src.length != dst.length)
      throw ShapeError(std::string(fn) + ": dst has " + std::to_string(dst.length) + " elements, expected src's " +
                       std::to_string(src.length));
    check_no_overlap(dst.data, dst.length * sizeof(Dst), src.data, src.length * sizeof(Src), fn, "dst", "src");
    kConvert(src.data, dst.data, static_cast<int64_t>(src.length));
    return info.Env().Undefined();
  });
}

Napi::Value gemm_bf16_js(const Napi::CallbackInfo& info, bool async) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const GemmArgs g = gemm_args(info, 0, "gemmBf16", true);
    const GemmShape s = g.shape;
    const int64_t batch = g.batch, sa = g.stride_a, sb = g.stride_b, sc = g.stride_c;
    const float alpha = g.alpha, beta = g.beta;
    const uint16_t *pa = g.a16.data, *pb = g.b16.data;
    float* pc = g.c.data;
    return run_kernel(info, async, [=] {
      for (int64_t i = 0; i < batch; ++i) gemm_bf16(s, alpha, pa + i * sa, pb + i * sb, beta, pc + i * sc);
    });
  });
}

Napi::Value bf16_kernel_js(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    if (!info[0].IsString()) throw ArgumentError("bf16Kernel: simd must be a string");
    const std::string text = info[0].As<Napi::String>().Utf8Value();
    SimdLevel level;
    if (!parse_simd_level(text.c_str(), &level))
      throw ShapeError("bf16Kernel: simd must be one of scalar, avx2, avx512; got '" + text + "'");
    const bool bf16 = bool_arg(info, 1, "bf16Kernel", "avx512bf16");
    return Napi::String::New(info.Env(), bf16_kernel_name(level, bf16));
  });
}

Napi::Value cpu_has_avx512_bf16_js(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), cpu_has_avx512_bf16());
}

}  // namespace

void register_bf16(Napi::Env env, Napi::Object exports) {
  exports.Set("f32ToBf16", Napi::Function::New(env, convert_js<float, uint16_t, f32_to_bf16>, "f32ToBf16"));
  exports.Set("bf16ToF32", Napi::Function::New(env, convert_js<uint16_t, float, bf16_to_f32>, "bf16ToF32"));
  export_pair(env, exports, "gemmBf16", gemm_bf16_js);
  exports.Set("bf16Kernel", Napi::Function::New(env, bf16_kernel_js, "bf16Kernel"));
  exports.Set("cpuHasAvx512Bf16", Napi::Function::New(env, cpu_has_avx512_bf16_js, "cpuHasAvx512Bf16"));
}

KILN_BINDING(register_bf16);

}  // namespace kiln::binding
