// Outputs as labelled classes, as Triton's `classification` output parameter answers them:
// for each row, the k highest scores as strings "score:index" or "score:index:label" (a
// BYTES tensor of shape [rows, k]), best first.

/** The top `k` classes of every row of a [rows, classes] tensor, as Triton's strings. */
export function topClasses(
  shape: readonly number[],
  data: Float32Array,
  k: number,
  classNames?: readonly string[],
): string[] {
  const rows = shape[0] ?? 1
  const width = data.length / Math.max(1, rows)
  const take = Math.min(k, width)
  const out: string[] = []
  const order = new Int32Array(width)
  for (let r = 0; r < rows; r++) {
    const base = r * width
    for (let j = 0; j < width; j++) order[j] = j
    // A partial selection sort: k is small next to the class count.
    for (let a = 0; a < take; a++) {
      let best = a
      for (let b = a + 1; b < width; b++) if (data[base + order[b]!]! > data[base + order[best]!]!) best = b
      const t = order[a]!
      order[a] = order[best]!
      order[best] = t
      const j = order[a]!
      const label = classNames?.[j]
      out.push(`${data[base + j]}:${j}${label !== undefined ? `:${label}` : ''}`)
    }
  }
  return out
}

/** A BYTES tensor in the binary data extension: each element a 4-byte little-endian length, then its bytes. */
export function bytesTensor(values: readonly string[]): Uint8Array {
  const encoded = values.map((v) => new TextEncoder().encode(v))
  const out = new Uint8Array(encoded.reduce((n, b) => n + 4 + b.byteLength, 0))
  const view = new DataView(out.buffer)
  let at = 0
  for (const b of encoded) {
    view.setUint32(at, b.byteLength, true)
    out.set(b, at + 4)
    at += 4 + b.byteLength
  }
  return out
}
