// Elementwise kernels (unary, broadcasting binary, compare, logic, select, cast) with
// tfjs-backend-cpu semantics. Op codes are the native wire format.
import { addon } from './addon.js'
import { broadcastShape, shapeArray, shapeSize, type ShapeLike } from './shape-arg.js'

/** Op codes of addon.unary; alpha/beta: Step's value for x <= 0, ClipByValue's min/max, LeakyRelu's slope. */
export const UnaryOp = {
  Abs: 0,
  Neg: 1,
  Exp: 2,
  Log: 3,
  Log1p: 4,
  Sqrt: 5,
  Rsqrt: 6,
  Square: 7,
  Sigmoid: 8,
  Tanh: 9,
  Relu: 10,
  Elu: 11,
  Erf: 12,
  Floor: 13,
  Step: 14,
  ClipByValue: 15,
  Relu6: 16,
  Ceil: 17,
  Round: 18,
  Sign: 19,
  Reciprocal: 20,
  LeakyRelu: 21,
  Selu: 22,
  Softplus: 23,
  Expm1: 24,
  Sin: 25,
  Cos: 26,
  Gelu: 27,
} as const
export type UnaryOp = (typeof UnaryOp)[keyof typeof UnaryOp]

/** Op codes of addon.binary. The *Grad ops take a = dy and b = y (x for ReluGrad). */
export const BinaryOp = {
  Add: 0,
  Sub: 1,
  Mul: 2,
  Div: 3,
  Maximum: 4,
  Minimum: 5,
  Pow: 6,
  SquaredDifference: 7,
  EluGrad: 8,
  ReluGrad: 9,
  FloorDiv: 10,
  Mod: 11,
  Atan2: 12,
  SigmoidGrad: 13,
  TanhGrad: 14,
  DivNoNan: 15,
} as const
export type BinaryOp = (typeof BinaryOp)[keyof typeof BinaryOp]

/** Op codes of addon.compare. */
export const CompareOp = { Equal: 0, NotEqual: 1, Greater: 2, GreaterEqual: 3, Less: 4, LessEqual: 5 } as const
export type CompareOp = (typeof CompareOp)[keyof typeof CompareOp]

/** Op codes of addon.logical. */
export const LogicalOp = { LogicalAnd: 0, LogicalOr: 1, LogicalXor: 2 } as const
export type LogicalOp = (typeof LogicalOp)[keyof typeof LogicalOp]

/** y = op(x) elementwise; pass y = x to work in place. */
export function unary(
  op: UnaryOp,
  x: Float32Array,
  y: Float32Array = new Float32Array(x.length),
  alpha = 0,
  beta = 0,
): Float32Array {
  addon.unary(op, x, y, alpha, beta)
  return y
}

/** y = a op b with broadcasting; y (the broadcast shape) is allocated when omitted. */
export function binary(
  op: BinaryOp,
  a: Float32Array,
  aShape: ShapeLike,
  b: Float32Array,
  bShape: ShapeLike,
  y?: Float32Array,
): Float32Array {
  const yShape = broadcastShape(aShape, bShape)
  const out = y ?? new Float32Array(shapeSize(yShape))
  addon.binary(op, a, shapeArray(aShape), b, shapeArray(bShape), out, Int32Array.from(yShape))
  return out
}

/** y = a op b as 0/1 bytes, with broadcasting; a and b both float32 or both int32. */
export function compare<T extends Float32Array | Int32Array>(
  op: CompareOp,
  a: T,
  aShape: ShapeLike,
  b: T,
  bShape: ShapeLike,
  y?: Uint8Array,
): Uint8Array {
  const yShape = broadcastShape(aShape, bShape)
  const out = y ?? new Uint8Array(shapeSize(yShape))
  addon.compare(op, a, shapeArray(aShape), b, shapeArray(bShape), out, Int32Array.from(yShape))
  return out
}

/** y = a op b on bools (bytes, nonzero is true), with broadcasting. */
export function logical(
  op: LogicalOp,
  a: Uint8Array,
  aShape: ShapeLike,
  b: Uint8Array,
  bShape: ShapeLike,
  y?: Uint8Array,
): Uint8Array {
  const yShape = broadcastShape(aShape, bShape)
  const out = y ?? new Uint8Array(shapeSize(yShape))
  addon.logical(op, a, shapeArray(aShape), b, shapeArray(bShape), out, Int32Array.from(yShape))
  return out
}

/** y = !x on bools. */
export function logicalNot(x: Uint8Array, y: Uint8Array = new Uint8Array(x.length)): Uint8Array {
  addon.logicalNot(x, y)
  return y
}

/** tfjs Select: y = cond ? a : b, cond of a's shape or rank 1 with one entry per row of a. */
export function select<T extends Float32Array | Int32Array>(
  cond: Uint8Array,
  condShape: ShapeLike,
  a: T,
  b: T,
  y?: T,
): T {
  const out = y ?? new (a.constructor as new (n: number) => T)(a.length)
  addon.select(cond, shapeArray(condShape), a, b, out)
  return out
}

export type DTypeName = 'float32' | 'int32' | 'bool'
type ArrayOf<D extends DTypeName> = D extends 'float32' ? Float32Array : D extends 'int32' ? Int32Array : Uint8Array

/** tfjs Cast: float -> int32 truncates (JS ToInt32), -> bool is x != 0. */
export function cast<D extends DTypeName>(
  x: Float32Array | Int32Array | Uint8Array,
  dtype: D,
  y?: ArrayOf<D>,
): ArrayOf<D> {
  const out =
    y ??
    ((dtype === 'float32'
      ? new Float32Array(x.length)
      : dtype === 'int32'
        ? new Int32Array(x.length)
        : new Uint8Array(x.length)) as ArrayOf<D>)
  addon.cast(x, out)
  return out
}
