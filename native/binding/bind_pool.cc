// MaxPool(x, y, geometry), MaxPoolGrad(dy, x, dx, geometry), AvgPool(x, y, geometry),
// AvgPoolGrad(dy, dx, geometry) and their ...Async variants; geometry is the
// Int32Array(12) described in kiln/pool.h.
#include <string>

#include "args.h"
#include "async.h"
#include "kiln/pool.h"
#include "registry.h"

namespace kiln::binding {
namespace {

struct Tensor {
  const char* name;
  bool output_shape;  // [batch, outH, outW, channels] rather than the input's shape
};

PoolGeometry geometry_arg(const Napi::CallbackInfo& info, size_t i, const char* op) {
  auto v = i32_arg(info, i, op, "geometry");
  if (v.length != size_t(kPoolGeometrySize))
    throw ShapeError(std::string(op) + ": geometry has " + std::to_string(v.length) +
                     " entries, expected 12 [batch, inHeight, inWidth, channels, filterHeight, filterWidth, "
                     "outHeight, outWidth, strideHeight, strideWidth, padTop, padLeft]");
  return make_pool_geometry(v.data, op);
}

void expect_length(const char* op, const Tensor& t, size_t length, const PoolGeometry& g) {
  const int64_t h = t.output_shape ? g.out_h : g.in_h, w = t.output_shape ? g.out_w : g.in_w;
  const int64_t total = g.batch * h * w * g.channels;
  if (length != size_t(total))
    throw ShapeError(std::string(op) + ": " + t.name + " has " + std::to_string(length) + " elements, expected [" +
                     std::to_string(g.batch) + "," + std::to_string(h) + "," + std::to_string(w) + "," +
                     std::to_string(g.channels) + "] = " + std::to_string(total));
}

// Reads `count` tensors (the last one the output) and the geometry after them, checks
// their lengths and that the output aliases no input, then runs work(g, pointers).
template <size_t N, typename Work>
Napi::Value pool_op(const Napi::CallbackInfo& info, bool async, const char* op, const Tensor (&tensors)[N],
                    Work work) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    View<float> t[N];
    for (size_t i = 0; i < N; ++i) t[i] = f32_arg(info, i, op, tensors[i].name);
    const PoolGeometry g = geometry_arg(info, N, op);
    for (size_t i = 0; i < N; ++i) expect_length(op, tensors[i], t[i].length, g);
    for (size_t i = 0; i + 1 < N; ++i)
      check_no_overlap(t[N - 1].data, t[N - 1].length * 4, t[i].data, t[i].length * 4, op, tensors[N - 1].name,
                       tensors[i].name);
    const float* a = t[0].data;
    const float* b = N > 2 ? t[1].data : nullptr;
    float* out = t[N - 1].data;
    return run_kernel(info, async, [=] { work(g, a, b, out); });
  });
}

Napi::Value max_pool_js(const Napi::CallbackInfo& info, bool async) {
  static const Tensor t[] = {{"x", false}, {"y", true}};
  return pool_op(info, async, "MaxPool", t, [](const PoolGeometry& g, const float* x, const float*, float* y) {
    max_pool(g, x, y);
  });
}

Napi::Value max_pool_grad_js(const Napi::CallbackInfo& info, bool async) {
  static const Tensor t[] = {{"dy", true}, {"x", false}, {"dx", false}};
  return pool_op(info, async, "MaxPoolGrad", t,
                 [](const PoolGeometry& g, const float* dy, const float* x, float* dx) { max_pool_grad(g, dy, x, dx); });
}

Napi::Value avg_pool_js(const Napi::CallbackInfo& info, bool async) {
  static const Tensor t[] = {{"x", false}, {"y", true}};
  return pool_op(info, async, "AvgPool", t, [](const PoolGeometry& g, const float* x, const float*, float* y) {
    avg_pool(g, x, y);
  });
}

Napi::Value avg_pool_grad_js(const Napi::CallbackInfo& info, bool async) {
  static const Tensor t[] = {{"dy", true}, {"dx", false}};
  return pool_op(info, async, "AvgPoolGrad", t,
                 [](const PoolGeometry& g, const float* dy, const float*, float* dx) { avg_pool_grad(g, dy, dx); });
}

}  // namespace

void register_pool(Napi::Env env, Napi::Object exports) {
  export_pair(env, exports, "MaxPool", max_pool_js);
  export_pair(env, exports, "MaxPoolGrad", max_pool_grad_js);
  export_pair(env, exports, "AvgPool", avg_pool_js);
  export_pair(env, exports, "AvgPoolGrad", avg_pool_grad_js);
}

KILN_BINDING(register_pool);

}  // namespace kiln::binding
