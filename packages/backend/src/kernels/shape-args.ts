// Shape arguments for the broadcasting kernels without per-call allocation: most calls
// in training pair equal shapes (flattened to one dimension) or a tensor with a scalar,
// and those reuse module-level Int32Arrays. The native call copies what it needs before
// returning, so reuse across calls is safe.
const flatA = new Int32Array(1)
const flatB = new Int32Array(1)
const flatY = new Int32Array(1)

export interface ShapeArgs {
  a: Int32Array
  b: Int32Array
  y: Int32Array
}

const sameShape = (p: readonly number[], q: readonly number[]) => p.length === q.length && p.every((d, i) => d === q[i])
const size = (s: readonly number[]) => s.reduce((x, y) => x * y, 1)

/** Int32 shapes for a broadcasting call of a, b -> out (out already validated). */
export function shapeArgs(a: readonly number[], b: readonly number[], out: readonly number[]): ShapeArgs {
  const na = size(a),
    nb = size(b)
  if (sameShape(a, b) || na === 1 || nb === 1) {
    flatA[0] = na
    flatB[0] = nb
    flatY[0] = Math.max(na, nb)
    return { a: flatA, b: flatB, y: flatY }
  }
  return { a: Int32Array.from(a), b: Int32Array.from(b), y: Int32Array.from(out) }
}
