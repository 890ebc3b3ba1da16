// Shapes as the kernels take them: an Int32Array, or a plain number[] converted once.

/** A tensor shape: dims outermost first. */
export type ShapeLike = readonly number[] | Int32Array

/** The shape as the Int32Array the addon takes (no copy when it already is one). */
export function shapeArray(shape: ShapeLike): Int32Array {
  return shape instanceof Int32Array ? shape : Int32Array.from(shape)
}

/** Number of elements of a tensor of this shape (1 for a scalar). */
export function shapeSize(shape: ShapeLike): number {
  let n = 1
  for (let i = 0; i < shape.length; i++) n *= shape[i]!
  return n
}

/** numpy / tfjs broadcast shape of a and b; RangeError when they do not broadcast. */
export function broadcastShape(a: ShapeLike, b: ShapeLike): number[] {
  const rank = Math.max(a.length, b.length)
  const out = new Array<number>(rank)
  for (let i = 0; i < rank; i++) {
    const da = i - (rank - a.length) >= 0 ? a[i - (rank - a.length)]! : 1
    const db = i - (rank - b.length) >= 0 ? b[i - (rank - b.length)]! : 1
    if (da !== db && da !== 1 && db !== 1)
      throw new RangeError(`shapes [${Array.from(a)}] and [${Array.from(b)}] do not broadcast (dim ${i})`)
    out[i] = da === 1 ? db : da
  }
  return out
}
