// Conv2D(x, filter, y, geometry), Conv2DBackpropInput(dy, filter, dx, geometry),
// Conv2DBackpropFilter(x, dy, dw, geometry) and their ...Async variants. Names are the
// TensorFlow kernel names; geometry is the Int32Array(15) described in kiln/conv.h.
#include <string>

#include "args.h"
#include "async.h"
#include "kiln/conv.h"
#include "registry.h"

namespace kiln::binding {
namespace {

// Throws `op: name has N elements, expected [a,b,c,d] = M` unless the length matches.
void expect_length(const char* op, const char* name, size_t length, std::initializer_list<int64_t> dims) {
  int64_t total = 1;
  std::string shape = "[";
  for (int64_t d : dims) {
    total *= d;
    shape += (shape.size() > 1 ? "," : "") + std::to_string(d);
  }
  if (length != size_t(total))
    throw ShapeError(std::string(op) + ": " + name + " has " + std::to_string(length) + " elements, expected " +
                     shape + "] = " + std::to_string(total));
}

ConvGeometry geometry_arg(const Napi::CallbackInfo& info, size_t i, const char* op) {
  auto v = i32_arg(info, i, op, "geometry");
  if (v.length != size_t(kConvGeometrySize))
    throw ShapeError(std::string(op) + ": geometry has " + std::to_string(v.length) +
                     " entries, expected 15 [batch, inHeight, inWidth, inChannels, filterHeight, filterWidth, "
                     "outChannels, outHeight, outWidth, strideHeight, strideWidth, padTop, padLeft, "
                     "dilationHeight, dilationWidth]");
  return make_conv_geometry(v.data, op);
}

using Kernel = void (*)(const ConvGeometry&, const float*, const float*, float*);

// The three ops share one shape: (in0, in1, out, geometry) with fixed tensor roles.
enum class Role { kX, kFilter, kY };

Napi::Value conv_op(const Napi::CallbackInfo& info, bool async, const char* op, const char* const names[3],
                    const Role roles[3], Kernel kernel) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    View<float> t[3];
    for (size_t i = 0; i < 3; ++i) t[i] = f32_arg(info, i, op, names[i]);
    const ConvGeometry g = geometry_arg(info, 3, op);
    for (size_t i = 0; i < 3; ++i) {
      switch (roles[i]) {
        case Role::kX: expect_length(op, names[i], t[i].length, {g.batch, g.in_h, g.in_w, g.in_c}); break;
        case Role::kFilter:
          expect_length(op, names[i], t[i].length, {g.filter_h, g.filter_w, g.in_c, g.out_c});
          break;
        case Role::kY: expect_length(op, names[i], t[i].length, {g.batch, g.out_h, g.out_w, g.out_c}); break;
      }
    }
    for (size_t i = 0; i < 2; ++i)
      check_no_overlap(t[2].data, t[2].length * 4, t[i].data, t[i].length * 4, op, names[2], names[i]);
    const float *a = t[0].data, *b = t[1].data;
    float* out = t[2].data;
    return run_kernel(info, async, [=] { kernel(g, a, b, out); });
  });
}

Napi::Value conv2d_js(const Napi::CallbackInfo& info, bool async) {
  static const char* const names[3] = {"x", "filter", "y"};
  static const Role roles[3] = {Role::kX, Role::kFilter, Role::kY};
  return conv_op(info, async, "Conv2D", names, roles, conv2d);
}

Napi::Value backprop_input_js(const Napi::CallbackInfo& info, bool async) {
  static const char* const names[3] = {"dy", "filter", "dx"};
  static const Role roles[3] = {Role::kY, Role::kFilter, Role::kX};
  return conv_op(info, async, "Conv2DBackpropInput", names, roles, conv2d_backprop_input);
}

Napi::Value backprop_filter_js(const Napi::CallbackInfo& info, bool async) {
  static const char* const names[3] = {"x", "dy", "dw"};
  static const Role roles[3] = {Role::kX, Role::kY, Role::kFilter};
  return conv_op(info, async, "Conv2DBackpropFilter", names, roles, conv2d_backprop_filter);
}

}  // namespace

void register_conv(Napi::Env env, Napi::Object exports) {
  export_pair(env, exports, "Conv2D", conv2d_js);
  export_pair(env, exports, "Conv2DBackpropInput", backprop_input_js);
  export_pair(env, exports, "Conv2DBackpropFilter", backprop_filter_js);
}

KILN_BINDING(register_conv);

}  // namespace kiln::binding
