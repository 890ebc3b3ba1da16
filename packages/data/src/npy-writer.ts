// NPY (NumPy's array file, format 1.0) from a typed array: the inverse of npy-reader.ts for
// the two element types Kiln writes (float32 features, int32 labels), little-endian, C order.

/** The bytes of an .npy file holding `data` with `shape`. */
export function encodeNpy(data: Float32Array | Int32Array, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1)
  if (count !== data.length)
    throw new RangeError(`encodeNpy: shape [${shape.join(', ')}] holds ${count} values, got ${data.length}`)
  const descr = data instanceof Float32Array ? '<f4' : '<i4'
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`
  // Magic (6) + version (2) + header length (2) + header, padded to a multiple of 64, '\n' last.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64
  header = `${header.padEnd(total - 10 - 1, ' ')}\n`
  const out = new Uint8Array(total + data.byteLength)
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0)
  new DataView(out.buffer).setUint16(8, header.length, true)
  out.set(new TextEncoder().encode(header), 10)
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total)
  return out
}
