// A model version's files in one SharedArrayBuffer: every inference thread reads the same
// bytes (posting a SharedArrayBuffer shares it, nothing is copied per task).

/** File names, their [start, end) in `buffer`, and the buffer. */
export interface PackedFiles {
  names: string[]
  offsets: number[]
  buffer: SharedArrayBuffer
}

/** Packs named files into one shared buffer. */
export function packFiles(files: ReadonlyMap<string, Uint8Array>): PackedFiles {
  const names = [...files.keys()]
  const total = [...files.values()].reduce((n, b) => n + b.byteLength, 0)
  const buffer = new SharedArrayBuffer(total)
  const view = new Uint8Array(buffer)
  const offsets: number[] = [0]
  let at = 0
  for (const name of names) {
    const bytes = files.get(name)!
    view.set(bytes, at)
    at += bytes.byteLength
    offsets.push(at)
  }
  return { names, offsets, buffer }
}

/** The bytes of one packed file (a view, not a copy); undefined if absent. */
export function packedFile(packed: PackedFiles, name: string): Uint8Array | undefined {
  const i = packed.names.indexOf(name)
  if (i < 0) return undefined
  return new Uint8Array(packed.buffer, packed.offsets[i]!, packed.offsets[i + 1]! - packed.offsets[i]!)
}

/** Every packed file by name (views, not copies). */
export function unpackFiles(packed: PackedFiles): Map<string, Uint8Array> {
  return new Map(packed.names.map((name) => [name, packedFile(packed, name)!]))
}
