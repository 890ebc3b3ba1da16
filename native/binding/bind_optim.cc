#include "registry.h"
namespace kiln::binding {
void register_optim(Napi::Env env, Napi::Object exports) {}
}  // namespace kiln::binding
