#include "registry.h"
namespace kiln::binding {
void register_elementwise(Napi::Env env, Napi::Object exports) {}
}  // namespace kiln::binding
