// Elementwise entry points: pick the ISA table, plan broadcasting, split across threads.
#include "kiln/elementwise.h"

#include <cstring>
#include <string>

#include "broadcast.h"
#include "elementwise_kernels.h"
#include "kiln/cpu_features.h"
#include "kiln/errors.h"
#include "parallel.h"

namespace kiln {
namespace {

using detail::BroadcastPlan;

const detail::ElementwiseKernels& kernels() {
  switch (simd_level()) {
    case SimdLevel::kAvx512: return detail::kElementwiseAvx512;
    case SimdLevel::kAvx2: return detail::kElementwiseAvx2;
    default: return detail::kElementwiseScalar;
  }
}

// Ops that call libm per element are ~20x dearer than a load-op-store, so they are
// worth threading at a few thousand elements already.
bool costly(BinaryOp op) { return op == BinaryOp::kPow || op == BinaryOp::kMod || op == BinaryOp::kAtan2; }

// Runs kernel(a_off, b_off, y_off, n) over the plan's runs, threaded when large.
template <class K>
void run_plan(const BroadcastPlan& plan, int64_t cost, const K& kernel) {
  detail::parallel_items(plan.size, cost, [&](int64_t begin, int64_t end) {
    detail::walk_broadcast(plan, begin, end, kernel);
  });
}

size_t dtype_bytes(DType t) { return t == DType::kBool ? 1 : 4; }

}  // namespace

void unary(UnaryOp op, const float* x, float* y, int64_t n, float alpha, float beta) {
  const auto& k = kernels();
  const bool heavy = op == UnaryOp::kSin || op == UnaryOp::kCos || op == UnaryOp::kGelu || op == UnaryOp::kErf;
  detail::parallel_items(n, heavy ? 4 : 1, [&](int64_t b, int64_t e) {
    k.unary(static_cast<int>(op), x + b, y + b, e - b, alpha, beta);
  });
}

void binary(BinaryOp op, const float* a, const Shape& as, const float* b, const Shape& bs, float* y,
            const Shape& ys) {
  const BroadcastPlan plan = detail::plan_broadcast(as, bs, ys, "binary");
  const auto& k = kernels();
  const int o = static_cast<int>(op), kind = plan.kind;
  run_plan(plan, costly(op) ? 16 : 1, [&](int64_t ao, int64_t bo, int64_t yo, int64_t n) {
    k.binary(o, kind, a + ao, b + bo, y + yo, n);
  });
}

void compare(CompareOp op, const float* a, const Shape& as, const float* b, const Shape& bs, uint8_t* y,
             const Shape& ys) {
  const BroadcastPlan plan = detail::plan_broadcast(as, bs, ys, "compare");
  const auto& k = kernels();
  const int o = static_cast<int>(op), kind = plan.kind;
  run_plan(plan, 1, [&](int64_t ao, int64_t bo, int64_t yo, int64_t n) {
    k.compare_f32(o, kind, a + ao, b + bo, y + yo, n);
  });
}

void compare(CompareOp op, const int32_t* a, const Shape& as, const int32_t* b, const Shape& bs, uint8_t* y,
             const Shape& ys) {
  const BroadcastPlan plan = detail::plan_broadcast(as, bs, ys, "compare");
  const auto& k = kernels();
  const int o = static_cast<int>(op), kind = plan.kind;
  run_plan(plan, 1, [&](int64_t ao, int64_t bo, int64_t yo, int64_t n) {
    k.compare_i32(o, kind, a + ao, b + bo, y + yo, n);
  });
}

void logical(LogicalOp op, const uint8_t* a, const Shape& as, const uint8_t* b, const Shape& bs, uint8_t* y,
             const Shape& ys) {
  const BroadcastPlan plan = detail::plan_broadcast(as, bs, ys, "logical");
  const auto& k = kernels();
  const int o = static_cast<int>(op), kind = plan.kind;
  run_plan(plan, 1, [&](int64_t ao, int64_t bo, int64_t yo, int64_t n) {
    k.logical(o, kind, a + ao, b + bo, y + yo, n);
  });
}

void logical_not(const uint8_t* x, uint8_t* y, int64_t n) {
  const auto& k = kernels();
  detail::parallel_items(n, 1, [&](int64_t b, int64_t e) { k.logical_not(x + b, y + b, e - b); });
}

void select(const uint8_t* cond, int64_t cond_n, const uint32_t* a, const uint32_t* b, uint32_t* y, int64_t n) {
  if (cond_n == n) {
    const auto& k = kernels();
    detail::parallel_items(n, 1, [&](int64_t s, int64_t e) { k.select(cond + s, a + s, b + s, y + s, e - s); });
    return;
  }
  if (cond_n <= 0 || n % cond_n != 0)
    throw ShapeError("select: condition has " + std::to_string(cond_n) + " entries, which is neither the " +
                     std::to_string(n) + " elements of a nor a divisor of it");
  const int64_t row = n / cond_n;
  detail::parallel_items(cond_n, row, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r)
      std::memcpy(y + r * row, (cond[r] ? a : b) + r * row, static_cast<size_t>(row) * sizeof(uint32_t));
  });
}

void cast(DType from, const void* x, DType to, void* y, int64_t n) {
  const auto& k = kernels();
  const size_t fb = dtype_bytes(from), tb = dtype_bytes(to);
  const char* src = static_cast<const char*>(x);
  char* dst = static_cast<char*>(y);
  detail::parallel_items(n, 1, [&](int64_t b, int64_t e) {
    k.cast(static_cast<int>(from), src + b * fb, static_cast<int>(to), dst + b * tb, e - b);
  });
}

}  // namespace kiln
