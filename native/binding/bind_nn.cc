#include "registry.h"
namespace kiln::binding {
void register_nn(Napi::Env env, Napi::Object exports) {}
}  // namespace kiln::binding
