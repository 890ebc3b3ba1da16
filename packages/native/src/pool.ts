// Max and average pooling and their gradients on the native CPU kernels (NHWC).
import { kernelPair } from './kernel-pair.js'
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
  const geom = Int32Array.of(
    batch,
    inHeight,
    inWidth,
    channels,
    filterHeight,
    filterWidth,
    h.out,
    w.out,
    strideHeight,
    strideWidth,
    h.before,
    w.before,
  )
  return {
    geom,
    batch,
    inHeight,
    inWidth,
    channels,
    filterHeight,
    filterWidth,
    outHeight: h.out,
    outWidth: w.out,
    strideHeight,
    strideWidth,
    padTop: h.before,
    padBottom: h.after,
    padLeft: w.before,
    padRight: w.after,
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

const ySized = (a: PoolArgs) => a.y ?? new Float32Array(a.geometry.ySize)
const max = kernelPair<PoolArgs>('MaxPool', (a) => [a.x], ySized)
const maxGrad = kernelPair<MaxPoolGradArgs>(
  'MaxPoolGrad',
  (a) => [a.dy, a.x],
  (a) => a.dx ?? new Float32Array(a.geometry.xSize),
)
const avg = kernelPair<PoolArgs>('AvgPool', (a) => [a.x], ySized)
const avgGrad = kernelPair<AvgPoolGradArgs>(
  'AvgPoolGrad',
  (a) => [a.dy],
  (a) => a.dx ?? new Float32Array(a.geometry.xSize),
)

/** Max over each window (padding never wins); returns y. */
export const maxPool = max[0]
/** maxPool on a worker thread. */
export const maxPoolAsync = max[1]
/** Gradient of maxPool; returns dx. */
export const maxPoolGrad = maxGrad[0]
/** maxPoolGrad on a worker thread. */
export const maxPoolGradAsync = maxGrad[1]
/** Mean over the in-bounds elements of each window; returns y. */
export const avgPool = avg[0]
/** avgPool on a worker thread. */
export const avgPoolAsync = avg[1]
/** Gradient of avgPool; returns dx. */
export const avgPoolGrad = avgGrad[0]
/** avgPoolGrad on a worker thread. */
export const avgPoolGradAsync = avgGrad[1]
