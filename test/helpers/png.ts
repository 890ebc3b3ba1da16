// A small PNG reader for tests (8-bit greyscale, RGB or RGBA, not interlaced: what headless
// Chromium writes), so a screenshot's pixels can be checked without a dependency.
import { inflateSync } from 'node:zlib'

export interface Image {
  width: number
  height: number
  /** Channels per pixel (1, 3 or 4). */
  channels: number
  data: Uint8Array
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 6: 4 }

/** Decodes a PNG file's bytes. */
export function readPng(bytes: Uint8Array): Image {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (view.getUint32(0) !== 0x89504e47) throw new Error('not a PNG file')
  let at = 8
  let width = 0
  let height = 0
  let channels = 0
  const idat: Uint8Array[] = []
  while (at < bytes.length) {
    const length = view.getUint32(at)
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8))
    const body = bytes.subarray(at + 8, at + 8 + length)
    if (type === 'IHDR') {
      const h = new DataView(body.buffer, body.byteOffset, body.byteLength)
      width = h.getUint32(0)
      height = h.getUint32(4)
      const depth = body[8]!
      channels = CHANNELS[body[9]!] ?? 0
      if (depth !== 8 || channels === 0 || body[12] !== 0)
        throw new Error(`unsupported PNG (depth ${depth}, colour type ${body[9]}, interlace ${body[12]})`)
    } else if (type === 'IDAT') idat.push(body)
    else if (type === 'IEND') break
    at += 12 + length
  }
  const raw = inflateSync(Buffer.concat(idat))
  const stride = width * channels
  const data = new Uint8Array(height * stride)
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1))
    const row = data.subarray(y * stride, (y + 1) * stride)
    const prev = y > 0 ? data.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride)
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? row[x - channels]! : 0
      const b = prev[x]!
      const c = x >= channels ? prev[x - channels]! : 0
      const v = src[x]!
      let pred = 0
      if (filter === 1) pred = a
      else if (filter === 2) pred = b
      else if (filter === 3) pred = (a + b) >> 1
      else if (filter === 4) {
        const p = a + b - c
        const pa = Math.abs(p - a)
        const pb = Math.abs(p - b)
        const pc = Math.abs(p - c)
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
      }
      row[x] = (v + pred) & 0xff
    }
  }
  return { width, height, channels, data }
}

/** Pixels in the rectangle that differ from white by more than `tolerance` in any channel. */
export function inkedPixels(img: Image, rect: { x: number; y: number; w: number; h: number }, tolerance = 24): number {
  let count = 0
  const x1 = Math.min(img.width, Math.ceil(rect.x + rect.w))
  const y1 = Math.min(img.height, Math.ceil(rect.y + rect.h))
  for (let y = Math.max(0, Math.floor(rect.y)); y < y1; y++)
    for (let x = Math.max(0, Math.floor(rect.x)); x < x1; x++) {
      const at = (y * img.width + x) * img.channels
      for (let c = 0; c < Math.min(3, img.channels); c++)
        if (255 - img.data[at + c]! > tolerance) {
          count++
          break
        }
    }
  return count
}
