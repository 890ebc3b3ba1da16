// Reductions over the middle axis of x viewed as [outer, size, inner], arg-reductions
// and row softmax.
import { addon } from './addon.js'

/** Op codes of addon.reduce (Mean only for float32). */
export const ReduceOp = { Sum: 0, Mean: 1, Max: 2, Min: 3, Prod: 4 } as const
export type ReduceOp = (typeof ReduceOp)[keyof typeof ReduceOp]

/** Op codes of addon.argReduce. */
export const ArgReduceOp = { ArgMax: 0, ArgMin: 1 } as const
export type ArgReduceOp = (typeof ArgReduceOp)[keyof typeof ArgReduceOp]

/** y[o, j] = op over s of x[o, s, j]; y has x's type and outer * inner elements. */
export function reduce<T extends Float32Array | Int32Array>(
  op: ReduceOp,
  x: T,
  outer: number,
  size: number,
  inner: number,
  y?: T,
): T {
  const out = y ?? new (x.constructor as new (n: number) => T)(outer * inner)
  addon.reduce(op, x, outer, size, inner, out)
  return out
}

/** y[o, j] = first index s of the max / min of x[o, s, j] (tfjs NaN rules). */
export function argReduce(
  op: ArgReduceOp,
  x: Float32Array | Int32Array,
  outer: number,
  size: number,
  inner: number,
  y: Int32Array = new Int32Array(outer * inner),
): Int32Array {
  addon.argReduce(op, x, outer, size, inner, y)
  return y
}

/** Row softmax of a rows x cols matrix; y may be x. */
export function softmax(
  x: Float32Array,
  rows: number,
  cols: number,
  y: Float32Array = new Float32Array(x.length),
): Float32Array {
  addon.softmax(x, rows, cols, y)
  return y
}

/** Row log-softmax of a rows x cols matrix; y may be x. */
export function logSoftmax(
  x: Float32Array,
  rows: number,
  cols: number,
  y: Float32Array = new Float32Array(x.length),
): Float32Array {
  addon.logSoftmax(x, rows, cols, y)
  return y
}
