// Max and average pooling and their gradients on the native CPU kernels (NHWC).
import { addon } from './addon.js'
import { intField, pair, windowAxis, type WindowPair, type WindowPadding } from './conv.js'

export interface PoolGeometryOptions {
  batch: number
  inHeight: number
  inWidth: number
  channels: number
  filterSize: WindowPair
  strides: WindowPair
  padding: WindowPadding
}

export interface PoolGeometry {
  /** [batch, inH, inW, channels, filterH, filterW, outH, outW, strideH, strideW, padTop, padLeft] */
  geom: Int32Array
  batch: number
  inHeight: number
  inWidth: number
  channels: number
  filterHeight: number
  filterWidth: number
  outHeight: number
  outWidth: number
  strideHeight: number
  strideWidth: number
  padTop: number
  padBottom: number
  padLeft: number
  padRight: number
  /** Element counts of x [batch, inH, inW, channels] and y [batch, outH, outW, channels]. */
  xSize: number
  ySize: number
}

/** Output size, pads and the native geometry array of a pooling layer (TensorFlow's rules). */
export function poolGeometry(o: PoolGeometryOptions): PoolGeometry {
  const fn = 'poolGeometry'
  const batch = intField(fn, 'batch', o.batch, 1)
  const inHeight = intField(fn, 'inHeight', o.inHeight, 1)
  const inWidth = intField(fn, 'inWidth', o.inWidth, 1)
  const channels = intField(fn, 'channels', o.channels, 1)
  const [filterHeight, filterWidth] = pair(fn, 'filterSize', o.filterSize, 1)
  const [strideHeight, strideWidth] = pair(fn, 'strides', o.strides, 1)
  const h = windowAxis(fn, 'height', inHeight, filterHeight, strideHeight, o.padding)
  const w = windowAxis(fn, 'width', inWidth, filterWidth, strideWidth, o.padding)
  const geom = Int32Array.of(batch, inHeight, inWidth, channels, filterHeight, filterWidth, h.out, w.out,
    strideHeight, strideWidth, h.before, w.before)
  return {
    geom, batch, inHeight, inWidth, channels, filterHeight, filterWidth, outHeight: h.out, outWidth: w.out,
    strideHeight, strideWidth, padTop: h.before, padBottom: h.after, padLeft: w.before, padRight: w.after,
    xSize: batch * inHeight * inWidth * channels,
    ySize: batch * h.out * w.out * channels,
  }
}

export interface PoolArgs {
  x: Float32Array
  geometry: PoolGeometry
  /** Output; allocated when omitted. */
  y?: Float32Array
}

export interface MaxPoolGradArgs {
  dy: Float32Array
  /** The forward input: the gradient goes to each window's first maximum in x. */
  x: Float32Array
  geometry: PoolGeometry
  dx?: Float32Array
}

export interface AvgPoolGradArgs {
  dy: Float32Array
  geometry: PoolGeometry
  dx?: Float32Array
}

/** Max over each window (padding never wins); returns y. */
export function maxPool(a: PoolArgs): Float32Array {
  const y = a.y ?? new Float32Array(a.geometry.ySize)
  addon.MaxPool(a.x, y, a.geometry.geom)
  return y
}

/** maxPool on a worker thread. */
export async function maxPoolAsync(a: PoolArgs): Promise<Float32Array> {
  const y = a.y ?? new Float32Array(a.geometry.ySize)
  await addon.MaxPoolAsync(a.x, y, a.geometry.geom)
  return y
}

/** Gradient of maxPool; returns dx. */
export function maxPoolGrad(a: MaxPoolGradArgs): Float32Array {
  const dx = a.dx ?? new Float32Array(a.geometry.xSize)
  addon.MaxPoolGrad(a.dy, a.x, dx, a.geometry.geom)
  return dx
}

/** maxPoolGrad on a worker thread. */
export async function maxPoolGradAsync(a: MaxPoolGradArgs): Promise<Float32Array> {
  const dx = a.dx ?? new Float32Array(a.geometry.xSize)
  await addon.MaxPoolGradAsync(a.dy, a.x, dx, a.geometry.geom)
  return dx
}

/** Mean over the in-bounds elements of each window; returns y. */
export function avgPool(a: PoolArgs): Float32Array {
  const y = a.y ?? new Float32Array(a.geometry.ySize)
  addon.AvgPool(a.x, y, a.geometry.geom)
  return y
}

/** avgPool on a worker thread. */
export async function avgPoolAsync(a: PoolArgs): Promise<Float32Array> {
  const y = a.y ?? new Float32Array(a.geometry.ySize)
  await addon.AvgPoolAsync(a.x, y, a.geometry.geom)
  return y
}

/** Gradient of avgPool; returns dx. */
export function avgPoolGrad(a: AvgPoolGradArgs): Float32Array {
  const dx = a.dx ?? new Float32Array(a.geometry.xSize)
  addon.AvgPoolGrad(a.dy, dx, a.geometry.geom)
  return dx
}

/** avgPoolGrad on a worker thread. */
export async function avgPoolGradAsync(a: AvgPoolGradArgs): Promise<Float32Array> {
  const dx = a.dx ?? new Float32Array(a.geometry.xSize)
  await addon.AvgPoolGradAsync(a.dy, dx, a.geometry.geom)
  return dx
}
