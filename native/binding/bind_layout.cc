#include "registry.h"
namespace kiln::binding {
void register_layout(Napi::Env env, Napi::Object exports) {}
}  // namespace kiln::binding
