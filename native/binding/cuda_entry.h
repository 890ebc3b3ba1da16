// How the bind_cuda_*.cc files export their functions in both builds: with CUDA each
// name runs its implementation; without it every name is the same stub, which throws
// KilnNativeError NO_DEVICE ("addon built without CUDA"), so JS sees the same surface.
#pragma once
#include <napi.h>

#include "fast_args.h"

namespace kiln::binding {

/// The stub: throws NO_DEVICE naming the called function.
napi_value cuda_not_compiled(napi_env env, napi_callback_info info);

}  // namespace kiln::binding

#if KILN_HAS_CUDA
#define KILN_CUDA_ENTRY(impl) ::kiln::binding::fast_value_entry<impl>
#else
#define KILN_CUDA_ENTRY(impl) ::kiln::binding::cuda_not_compiled
#endif
