// Small, learnable datasets for training tests: Gaussian blobs around one centre per class,
// written as NPY or CSV so the real dataset loaders read them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fromArrays, type Dataset } from '@kiln/data'

/** A fresh temporary directory and its removal. */
export function tempDir(prefix = 'kiln-train-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

function lcg(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 4294967296
  }
}

/** `count` samples of shape `sampleShape`, classes well apart (a small MLP learns them in an epoch). */
export function blobs(
  count: number,
  sampleShape: number[],
  numClasses: number,
  seed = 1,
): { x: Float32Array; labels: Int32Array } {
  const rand = lcg(seed)
  const size = sampleShape.reduce((a, b) => a * b, 1)
  const centres = Array.from({ length: numClasses }, () => Float32Array.from({ length: size }, () => rand() * 4 - 2))
  const x = new Float32Array(count * size)
  const labels = new Int32Array(count)
  for (let i = 0; i < count; i++) {
    const c = i % numClasses
    labels[i] = c
    for (let j = 0; j < size; j++) x[i * size + j] = centres[c]![j]! + (rand() - 0.5) * 0.8
  }
  return { x, labels }
}

/** The same blobs as an in-memory Dataset. */
export function blobDataset(name: string, count: number, sampleShape: number[], numClasses: number, seed = 1): Dataset {
  const { x, labels } = blobs(count, sampleShape, numClasses, seed)
  return fromArrays({ name, x, labels, sampleShape, numClasses })
}

function npy(descr: string, shape: number[], body: Uint8Array): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`
  // Magic (6) + version (2) + length (2) + header, padded with spaces to a multiple of 64, '\n' last.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64
  header = `${header.padEnd(total - 10 - 1, ' ')}\n`
  const out = new Uint8Array(total + body.byteLength)
  out.set([0x93, ...Buffer.from('NUMPY'), 1, 0, header.length & 0xff, header.length >> 8], 0)
  out.set(Buffer.from(header, 'latin1'), 10)
  out.set(body, total)
  return out
}

/** Writes x.npy (float32) and y.npy (int32) into dir; the dataset spec is `<dir>/x.npy`. */
export function writeNpyBlobs(dir: string, count: number, sampleShape: number[], numClasses: number, seed = 1): string {
  const { x, labels } = blobs(count, sampleShape, numClasses, seed)
  writeFileSync(join(dir, 'x.npy'), npy('<f4', [count, ...sampleShape], new Uint8Array(x.buffer)))
  writeFileSync(join(dir, 'y.npy'), npy('<i4', [count], new Uint8Array(labels.buffer)))
  return join(dir, 'x.npy')
}

/** Writes blobs.csv (features f0..fN, then label) into dir and returns its path. */
export function writeCsvBlobs(dir: string, count: number, features: number, numClasses: number, seed = 1): string {
  const { x, labels } = blobs(count, [features], numClasses, seed)
  const rows = [[...Array.from({ length: features }, (_, j) => `f${j}`), 'label'].join(',')]
  for (let i = 0; i < count; i++)
    rows.push(`${[...x.subarray(i * features, (i + 1) * features)].map((v) => v.toFixed(4)).join(',')},${labels[i]}`)
  const path = join(dir, 'blobs.csv')
  writeFileSync(path, `${rows.join('\n')}\n`)
  return path
}

/**
 * A CSV of `count` people in 3 classes: `size` (numeric, some cells empty), `color` (text,
 * tied to the class), `weight` (numeric) and `label`; learnable once color is one-hot
 * encoded and the empty cells filled. Returns the file's path.
 */
export function writeMixedCsv(dir: string, count: number, seed = 3): string {
  const rand = lcg(seed)
  const colors = ['red', 'green', 'blue']
  const lines = ['size,color,weight,label']
  for (let i = 0; i < count; i++) {
    const c = i % 3
    const size = rand() < 0.1 ? '' : (c * 10 + rand() * 4).toFixed(2)
    const color = rand() < 0.9 ? colors[c] : colors[(c + 1) % 3]
    lines.push(`${size},${color},${(50 + rand() * 30).toFixed(1)},class${c}`)
  }
  const path = join(dir, 'people.csv')
  writeFileSync(path, `${lines.join('\n')}\n`)
  return path
}
