// Data movement for 4-byte tensors (float32 or int32): transpose, tile, slice, fill,
// gather and oneHot.
import { addon } from './addon.js'
import { shapeArray, shapeSize, type ShapeLike } from './shape-arg.js'

type Four = Float32Array | Int32Array

function like<T extends Four>(x: T, n: number): T {
  return new (x.constructor as new (n: number) => T)(n)
}

/** y's dim d is x's dim perm[d]. */
export function transpose<T extends Four>(x: T, xShape: ShapeLike, perm: ShapeLike, y?: T): T {
  const out = y ?? like(x, x.length)
  addon.transpose(x, shapeArray(xShape), shapeArray(perm), out)
  return out
}

/** tf.tile: x repeated reps[d] times along each dim. */
export function tile<T extends Four>(x: T, xShape: ShapeLike, reps: ShapeLike, y?: T): T {
  const out =
    y ??
    like(
      x,
      Array.from(xShape).reduce((n, d, i) => n * d * reps[i]!, 1),
    )
  addon.tile(x, shapeArray(xShape), shapeArray(reps), out)
  return out
}

/** tf.slice: size[d] = -1 takes the rest of dim d. */
export function slice<T extends Four>(x: T, xShape: ShapeLike, begin: ShapeLike, size: ShapeLike, y?: T): T {
  const dims = Array.from(size, (s, d) => (s === -1 ? xShape[d]! - begin[d]! : s))
  const out = y ?? like(x, shapeSize(dims))
  addon.slice(x, shapeArray(xShape), shapeArray(begin), shapeArray(size), out)
  return out
}

/** y[:] = value (ToInt32 for an Int32Array, as assignment does). */
export function fill<T extends Four>(y: T, value: number): T {
  addon.fill(y, value)
  return y
}

/** GatherV2 (batchDims 0) of x viewed as [outer, axisSize, inner]; indices must be in range. */
export function gather<T extends Four>(
  x: T,
  outer: number,
  axisSize: number,
  inner: number,
  indices: Int32Array,
  y?: T,
): T {
  const out = y ?? like(x, outer * indices.length * inner)
  addon.gather(x, outer, axisSize, inner, indices, out)
  return out
}

/** tf.oneHot into float32; out-of-range indices give a row of offValue. */
export function oneHot(
  indices: Int32Array,
  depth: number,
  onValue = 1,
  offValue = 0,
  y: Float32Array = new Float32Array(indices.length * depth),
): Float32Array {
  addon.oneHot(indices, depth, onValue, offValue, y)
  return y
}
