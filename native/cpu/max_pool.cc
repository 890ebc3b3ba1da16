// MaxPool and MaxPoolGrad (NHWC), the pooling geometry checks, and the baseline build of
// the pooling loop nests (pool_kernels.h). Pooling is bound by memory, not math: the
// work is split so each thread streams its own rows or images.
#include <algorithm>
#include <string>

#define KILN_POOL_KERNELS_IMPL
#include "kiln/checked.h"
#include "kiln/conv.h"
#include "kiln/cpu_features.h"
#include "kiln/errors.h"
#include "kiln/pool.h"
#include "kiln/thread_pool.h"
#include "pool_kernels.h"

namespace kiln {

namespace detail {

const PoolKernels& pool_kernels_baseline() { return kKernels; }

const PoolKernels& pool_kernels() {
  switch (simd_level()) {
    case SimdLevel::kAvx512: return pool_kernels_avx512();
    case SimdLevel::kAvx2: return pool_kernels_avx2();
    default: return pool_kernels_baseline();
  }
}

}  // namespace detail

void check_pool_geometry(const PoolGeometry& g, const char* op) {
  const std::pair<const char*, int64_t> sizes[] = {
      {"batch", g.batch},         {"inHeight", g.in_h},         {"inWidth", g.in_w},
      {"channels", g.channels},   {"filterHeight", g.filter_h}, {"filterWidth", g.filter_w},
      {"outHeight", g.out_h},     {"outWidth", g.out_w},        {"strideHeight", g.stride_h},
      {"strideWidth", g.stride_w}};
  for (const auto& [name, v] : sizes)
    if (v < 1) throw ShapeError(std::string(op) + ": " + name + " must be a positive integer, got " + std::to_string(v));
  check_window_axis(op, "Height", "padTop", g.in_h, g.filter_h, 1, g.stride_h, g.pad_top, g.out_h);
  check_window_axis(op, "Width", "padLeft", g.in_w, g.filter_w, 1, g.stride_w, g.pad_left, g.out_w);
  // MaxPoolGrad numbers window positions with floats, exact below 2^24.
  if (g.filter_h * g.filter_w >= (int64_t(1) << 24))
    throw ShapeError(std::string(op) + ": the filter window has too many elements");
  checked_product({g.batch, g.in_h, g.in_w, g.channels}, op, "x");
  checked_product({g.batch, g.out_h, g.out_w, g.channels}, op, "y");
}

PoolGeometry make_pool_geometry(const int32_t* v, const char* op) {
  PoolGeometry g{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11]};
  check_pool_geometry(g, op);
  return g;
}

namespace detail {

void pool_rows(const PoolGeometry& g, const float* x, float* y, bool max) {
  const PoolKernels& k = pool_kernels();
  auto rows = max ? k.max_rows : k.avg_rows;
  parallel_for(g.batch * g.out_h, 4, [&](int64_t r0, int64_t r1) { rows(g, x, y, r0, r1); });
}

void pool_grad(const PoolGeometry& g, const float* dy, const float* x, float* dx) {
  const PoolKernels& k = pool_kernels();
  const int64_t blocks = (g.channels + kPoolChannelBlock - 1) / kPoolChannelBlock;
  // Tasks own disjoint (image, channel block) slices of dx, so overlapping windows add
  // into it without races.
  ThreadPool::instance().run(g.batch * blocks, [&](int64_t task) {
    const int64_t n = task / blocks, c0 = (task % blocks) * kPoolChannelBlock;
    const int64_t cb = std::min(kPoolChannelBlock, g.channels - c0);
    if (x != nullptr) k.max_grad(g, dy, x, dx, n, c0, cb);
    else k.avg_grad(g, dy, dx, n, c0, cb);
  });
}

}  // namespace detail

void max_pool(const PoolGeometry& g, const float* x, float* y) {
  check_pool_geometry(g, "MaxPool");
  detail::pool_rows(g, x, y, true);
}

void max_pool_grad(const PoolGeometry& g, const float* dy, const float* x, float* dx) {
  check_pool_geometry(g, "MaxPoolGrad");
  detail::pool_grad(g, dy, x, dx);
}

}  // namespace kiln
