// Small dataset files written byte by byte, so each test knows exactly what the readers see.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as assert from 'uvu/assert'

/** A fresh temp directory and a function that removes it. */
export function tempDir(): {
  dir: string
  path: (name: string) => string
  write: (name: string, bytes: Uint8Array | string) => string
  remove: () => void
} {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-data-'))
  const path = (name: string) => join(dir, name)
  return {
    dir,
    path,
    write: (name, bytes) => {
      writeFileSync(path(name), bytes)
      return path(name)
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}

export const IDX_CODES = { uint8: 0x08, int8: 0x09, int16: 0x0b, int32: 0x0c, float32: 0x0d, float64: 0x0e } as const
export type IdxType = keyof typeof IDX_CODES
const IDX_SIZE: Record<IdxType, number> = { uint8: 1, int8: 1, int16: 2, int32: 4, float32: 4, float64: 8 }

/** An IDX file: magic, big-endian dims, big-endian values. */
export function idxBytes(type: IdxType, dims: number[], values: number[]): Uint8Array {
  const header = 4 + 4 * dims.length
  const buf = new Uint8Array(header + values.length * IDX_SIZE[type])
  const view = new DataView(buf.buffer)
  buf[2] = IDX_CODES[type]
  buf[3] = dims.length
  dims.forEach((d, i) => {
    view.setUint32(4 + 4 * i, d, false)
  })
  values.forEach((v, i) => {
    const at = header + i * IDX_SIZE[type]
    if (type === 'uint8') view.setUint8(at, v)
    else if (type === 'int8') view.setInt8(at, v)
    else if (type === 'int16') view.setInt16(at, v, false)
    else if (type === 'int32') view.setInt32(at, v, false)
    else if (type === 'float32') view.setFloat32(at, v, false)
    else view.setFloat64(at, v, false)
  })
  return buf
}

/** An NPY file with the given descr, shape and data bytes, padded like numpy pads (to 64). */
export function npyBytes(
  descr: string,
  shape: number[],
  data: Uint8Array,
  options: { version?: 1 | 2 | 3; fortran?: boolean; header?: string } = {},
): Uint8Array {
  const version = options.version ?? 1
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`
  let dict =
    options.header ??
    `{'descr': '${descr}', 'fortran_order': ${options.fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`
  const lenBytes = version === 1 ? 2 : 4
  const pre = 8 + lenBytes
  const total = Math.ceil((pre + dict.length + 1) / 64) * 64
  dict = `${dict + ' '.repeat(total - pre - dict.length - 1)}\n`
  const header = new TextEncoder().encode(dict)
  const out = new Uint8Array(pre + header.length + data.length)
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0])
  const view = new DataView(out.buffer)
  if (version === 1) view.setUint16(8, header.length, true)
  else view.setUint32(8, header.length, true)
  out.set(header, pre)
  out.set(data, pre + header.length)
  return out
}

/** The little-endian bytes of a typed array. */
export function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice()
}

/** Runs fn, expecting it to throw (or reject with) an error with this code whose message contains every fragment. */
export async function rejects(
  fn: () => unknown,
  code: string,
  ...fragments: string[]
): Promise<Error & { code?: string; data?: Record<string, unknown> }> {
  let caught: unknown
  try {
    await fn()
  } catch (err) {
    caught = err
  }
  assert.ok(caught instanceof Error, `expected an error with code ${code}, got ${String(caught)}`)
  const err = caught as Error & { code?: string }
  assert.is(err.code, code, `code of: ${err.message}`)
  for (const f of fragments)
    assert.ok(err.message.includes(f), `message ${JSON.stringify(err.message)} should mention ${JSON.stringify(f)}`)
  return err
}
