// sgdUpdate(v, g, lr)
// momentumUpdate(v, g, accum, lr, momentum, useNesterov)
// adamUpdate(v, g, m, s, lr, beta1, beta2, eps, beta1Power, beta2Power)
// rmspropUpdate(v, g, ms, mom, mg | null, lr, decay, momentum, eps, centered)
// In place on v and the slots; every array has v's length and none may overlap another.
#include <string>

#include "fast_args.h"
#include "kiln/optim.h"
#include "registry.h"

namespace kiln::binding {
namespace {

// Checks arrays[1..] against arrays[0]'s length and all pairs for overlap.
void check_arrays(const FastArgs& a, const View<float>* arrays, const char* const* names, int count) {
  for (int i = 1; i < count; ++i) check_length(a.fn(), names[i], arrays[i].length, int64_t(arrays[0].length), "v");
  for (int i = 0; i < count; ++i)
    for (int j = i + 1; j < count; ++j)
      check_no_overlap(arrays[i].data, arrays[i].length * 4, arrays[j].data, arrays[j].length * 4, a.fn(), names[i],
                       names[j]);
}

void sgd_js(const FastArgs& a) {
  const View<float> arr[2] = {a.f32(0, "v"), a.f32(1, "g")};
  const char* const names[2] = {"v", "g"};
  check_arrays(a, arr, names, 2);
  sgd_update(arr[0].data, arr[1].data, int64_t(arr[0].length), a.number(2, "lr"));
}

void momentum_js(const FastArgs& a) {
  const View<float> arr[3] = {a.f32(0, "v"), a.f32(1, "g"), a.f32(2, "accum")};
  const char* const names[3] = {"v", "g", "accum"};
  check_arrays(a, arr, names, 3);
  const double lr = a.number(3, "lr"), momentum = a.number(4, "momentum");
  const bool nesterov = a.boolean(5, "useNesterov");
  momentum_update(arr[0].data, arr[1].data, arr[2].data, int64_t(arr[0].length), lr, momentum, nesterov);
}

void adam_js(const FastArgs& a) {
  const View<float> arr[4] = {a.f32(0, "v"), a.f32(1, "g"), a.f32(2, "m"), a.f32(3, "s")};
  const char* const names[4] = {"v", "g", "m", "s"};
  check_arrays(a, arr, names, 4);
  const double lr = a.number(4, "lr"), beta1 = a.number(5, "beta1"), beta2 = a.number(6, "beta2"),
               eps = a.number(7, "eps"), beta1_power = a.number(8, "beta1Power"),
               beta2_power = a.number(9, "beta2Power");
  adam_update(arr[0].data, arr[1].data, arr[2].data, arr[3].data, int64_t(arr[0].length), lr, beta1, beta2, eps,
              beta1_power, beta2_power);
}

void rmsprop_js(const FastArgs& a) {
  const bool centered = a.boolean(9, "centered");
  View<float> arr[5] = {a.f32(0, "v"), a.f32(1, "g"), a.f32(2, "ms"), a.f32(3, "mom"), {nullptr, 0}};
  const char* const names[5] = {"v", "g", "ms", "mom", "mg"};
  int count = 4;
  if (centered) {
    if (a.nullish(4)) throw ArgumentError("rmspropUpdate: mg must be a Float32Array when centered");
    arr[4] = a.f32(4, "mg");
    count = 5;
  } else if (!a.nullish(4)) {
    a.f32(4, "mg");  // ignored, but must still be a Float32Array or null
  }
  check_arrays(a, arr, names, count);
  const double lr = a.number(5, "lr"), decay = a.number(6, "decay"), momentum = a.number(7, "momentum"),
               eps = a.number(8, "eps");
  rmsprop_update(arr[0].data, arr[1].data, arr[2].data, arr[3].data, arr[4].data, int64_t(arr[0].length), lr, decay,
                 momentum, eps, centered);
}

}  // namespace

void register_optim(Napi::Env env, Napi::Object exports) {
  define_fast(env, exports, "sgdUpdate", fast_entry<sgd_js>);
  define_fast(env, exports, "momentumUpdate", fast_entry<momentum_js>);
  define_fast(env, exports, "adamUpdate", fast_entry<adam_js>);
  define_fast(env, exports, "rmspropUpdate", fast_entry<rmsprop_js>);
}

KILN_BINDING(register_optim);

}  // namespace kiln::binding
