// Elementwise kernels of the tfjs "kiln" backend: unary math, broadcasting binary math,
// comparisons, logic, select and dtype casts. Results follow @tensorflow/tfjs-backend-cpu
// (NaN and signed-zero handling included) so the backend can replace it kernel for
// kernel. Outputs are caller-allocated and fully overwritten; large inputs run on the
// process thread pool. Shape errors throw kiln::ShapeError before anything is written.
#pragma once
#include <cstdint>

#include "kiln/shape.h"

namespace kiln {

/// Codes shared with @kiln/native's UnaryOp (the numbers are the wire format).
enum class UnaryOp : int {
  kAbs = 0, kNeg, kExp, kLog, kLog1p, kSqrt, kRsqrt, kSquare, kSigmoid, kTanh, kRelu, kElu, kErf,
  kFloor, kStep, kClipByValue, kRelu6, kCeil, kRound, kSign, kReciprocal, kLeakyRelu, kSelu,
  kSoftplus, kExpm1, kSin, kCos, kGelu,
};
constexpr int kUnaryOpCount = 28;

enum class BinaryOp : int {
  kAdd = 0, kSub, kMul, kDiv, kMaximum, kMinimum, kPow, kSquaredDifference, kEluGrad, kReluGrad,
  kFloorDiv, kMod, kAtan2, kSigmoidGrad, kTanhGrad, kDivNoNan,
};
constexpr int kBinaryOpCount = 16;

enum class CompareOp : int { kEqual = 0, kNotEqual, kGreater, kGreaterEqual, kLess, kLessEqual };
constexpr int kCompareOpCount = 6;

enum class LogicalOp : int { kAnd = 0, kOr, kXor };
constexpr int kLogicalOpCount = 3;

enum class DType : int { kFloat32 = 0, kInt32, kBool };

/// y = op(x) elementwise; y == x (in place) is allowed. alpha/beta: Step's value for
/// x <= 0, ClipByValue's min/max, LeakyRelu's slope.
void unary(UnaryOp op, const float* x, float* y, int64_t n, float alpha, float beta);

/// y = a op b with numpy broadcasting; ys must be the broadcast shape of as and bs.
void binary(BinaryOp op, const float* a, const Shape& as, const float* b, const Shape& bs, float* y,
            const Shape& ys);

/// y = a op b (1 or 0) with broadcasting, for float or int32 operands.
void compare(CompareOp op, const float* a, const Shape& as, const float* b, const Shape& bs, uint8_t* y,
             const Shape& ys);
void compare(CompareOp op, const int32_t* a, const Shape& as, const int32_t* b, const Shape& bs, uint8_t* y,
             const Shape& ys);

/// y = a op b on bools (any nonzero byte is true; y holds 0 or 1), with broadcasting.
void logical(LogicalOp op, const uint8_t* a, const Shape& as, const uint8_t* b, const Shape& bs, uint8_t* y,
             const Shape& ys);
void logical_not(const uint8_t* x, uint8_t* y, int64_t n);

/// y[i] = cond ? a[i] : b[i] over n 4-byte elements. cond has n entries, or one per
/// row of n / cond_n elements (tfjs Select with a rank-1 condition).
void select(const uint8_t* cond, int64_t cond_n, const uint32_t* a, const uint32_t* b, uint32_t* y, int64_t n);

/// Converts n elements as tfjs Cast does: float -> int32 truncates toward zero and wraps
/// like JS ToInt32 (NaN and Inf give 0); -> bool is x != 0. x and y must not overlap
/// unless they are the same buffer of the same type.
void cast(DType from, const void* x, DType to, void* y, int64_t n);

}  // namespace kiln
