#include "registry.h"
namespace kiln::binding {
void register_reduce(Napi::Env env, Napi::Object exports) {}
}  // namespace kiln::binding
