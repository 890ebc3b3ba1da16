// Conv2D and its gradients on the native CPU kernels (NHWC, HWIO filters), plus the
// geometry they take, computed with TensorFlow's padding rules.
import { kernelPair } from './kernel-pair.js'

/** 'same' and 'valid' as in TensorFlow, or explicit non-negative pads. */
export type WindowPadding = 'same' | 'valid' | { top: number; bottom: number; left: number; right: number }

export type WindowPair = number | readonly [number, number]

export interface ConvGeometryOptions {
  batch: number
  inHeight: number
  inWidth: number
  inChannels: number
  filterHeight: number
  filterWidth: number
  outChannels: number
  strides: WindowPair
  padding: WindowPadding
  /** Default 1. */
  dilations?: WindowPair
}

export interface ConvGeometry {
  /** [batch, inH, inW, inC, filterH, filterW, outC, outH, outW, strideH, strideW, padTop, padLeft, dilationH, dilationW] */
  geom: Int32Array
  batch: number
  inHeight: number
  inWidth: number
  inChannels: number
  filterHeight: number
  filterWidth: number
  outChannels: number
  outHeight: number
  outWidth: number
  strideHeight: number
  strideWidth: number
  dilationHeight: number
  dilationWidth: number
  padTop: number
  padBottom: number
  padLeft: number
  padRight: number
  /** Element counts of x [batch, inH, inW, inC], y [batch, outH, outW, outC], filter [fH, fW, inC, outC]. */
  xSize: number
  ySize: number
  filterSize: number
}

/** @internal Checks that `value` is an integer >= min; the error names the field. */
export function intField(fn: string, name: string, value: unknown, min: number): number {
  if (typeof value !== 'number') throw new TypeError(`${fn}: ${name} must be a number, got ${typeof value}`)
  if (!Number.isInteger(value) || value < min || value > 0x7fffffff)
    throw new RangeError(`${fn}: ${name} must be an integer >= ${min}, got ${value}`)
  return value
}

/** @internal Splits a number-or-pair option into [height, width]. */
export function pair(fn: string, name: string, value: WindowPair | undefined, fallback: number): [number, number] {
  if (value === undefined) return [fallback, fallback]
  if (typeof value === 'number') return [intField(fn, name, value, 1), intField(fn, name, value, 1)]
  if (!Array.isArray(value) || value.length !== 2)
    throw new TypeError(`${fn}: ${name} must be a number or a [height, width] pair`)
  return [intField(fn, `${name}[0]`, value[0], 1), intField(fn, `${name}[1]`, value[1], 1)]
}

/** @internal One spatial axis: output size and pads, by TensorFlow's rules. */
export function windowAxis(
  fn: string,
  axis: 'height' | 'width',
  size: number,
  effFilter: number,
  stride: number,
  padding: WindowPadding,
): { out: number; before: number; after: number } {
  if (padding === 'same') {
    const out = Math.ceil(size / stride)
    const total = Math.max((out - 1) * stride + effFilter - size, 0)
    return { out, before: Math.floor(total / 2), after: total - Math.floor(total / 2) }
  }
  let before = 0
  let after = 0
  if (padding !== 'valid') {
    if (typeof padding !== 'object' || padding === null)
      throw new TypeError(`${fn}: padding must be 'same', 'valid' or {top, bottom, left, right}`)
    const [b, a] = axis === 'height' ? (['top', 'bottom'] as const) : (['left', 'right'] as const)
    before = intField(fn, `padding.${b}`, padding[b], 0)
    after = intField(fn, `padding.${a}`, padding[a], 0)
    // A window made only of padding has no input to read: the kernels reject such pads.
    for (const [side, pad] of [
      [b, before],
      [a, after],
    ] as const)
      if (pad >= effFilter)
        throw new RangeError(
          `${fn}: padding.${side} ${pad} must be less than the effective filter ${axis} ${effFilter}`,
        )
  }
  const span = size + before + after - effFilter
  if (span < 0)
    throw new RangeError(
      `${fn}: the ${axis === 'height' ? 'filter height' : 'filter width'} (${effFilter} with dilation) ` +
        `exceeds the padded input ${axis} ${size + before + after}`,
    )
  return { out: Math.floor(span / stride) + 1, before, after }
}

/** Output size, pads and the native geometry array of a convolution. */
export function convGeometry(o: ConvGeometryOptions): ConvGeometry {
  const fn = 'convGeometry'
  const batch = intField(fn, 'batch', o.batch, 1)
  const inHeight = intField(fn, 'inHeight', o.inHeight, 1)
  const inWidth = intField(fn, 'inWidth', o.inWidth, 1)
  const inChannels = intField(fn, 'inChannels', o.inChannels, 1)
  const filterHeight = intField(fn, 'filterHeight', o.filterHeight, 1)
  const filterWidth = intField(fn, 'filterWidth', o.filterWidth, 1)
  const outChannels = intField(fn, 'outChannels', o.outChannels, 1)
  const [strideHeight, strideWidth] = pair(fn, 'strides', o.strides, 1)
  const [dilationHeight, dilationWidth] = pair(fn, 'dilations', o.dilations, 1)
  const h = windowAxis(fn, 'height', inHeight, dilationHeight * (filterHeight - 1) + 1, strideHeight, o.padding)
  const w = windowAxis(fn, 'width', inWidth, dilationWidth * (filterWidth - 1) + 1, strideWidth, o.padding)
  const geom = Int32Array.of(
    batch,
    inHeight,
    inWidth,
    inChannels,
    filterHeight,
    filterWidth,
    outChannels,
    h.out,
    w.out,
    strideHeight,
    strideWidth,
    h.before,
    w.before,
    dilationHeight,
    dilationWidth,
  )
  return {
    geom,
    batch,
    inHeight,
    inWidth,
    inChannels,
    filterHeight,
    filterWidth,
    outChannels,
    outHeight: h.out,
    outWidth: w.out,
    strideHeight,
    strideWidth,
    dilationHeight,
    dilationWidth,
    padTop: h.before,
    padBottom: h.after,
    padLeft: w.before,
    padRight: w.after,
    xSize: batch * inHeight * inWidth * inChannels,
    ySize: batch * h.out * w.out * outChannels,
    filterSize: filterHeight * filterWidth * inChannels * outChannels,
  }
}

export interface Conv2DArgs {
  x: Float32Array
  filter: Float32Array
  geometry: ConvGeometry
  /** Output; allocated when omitted. */
  y?: Float32Array
}

export interface Conv2DBackpropInputArgs {
  dy: Float32Array
  filter: Float32Array
  geometry: ConvGeometry
  dx?: Float32Array
}

export interface Conv2DBackpropFilterArgs {
  x: Float32Array
  dy: Float32Array
  geometry: ConvGeometry
  dw?: Float32Array
}

const conv = kernelPair<Conv2DArgs>(
  'Conv2D',
  (a) => [a.x, a.filter],
  (a) => a.y ?? new Float32Array(a.geometry.ySize),
)
const convInput = kernelPair<Conv2DBackpropInputArgs>(
  'Conv2DBackpropInput',
  (a) => [a.dy, a.filter],
  (a) => a.dx ?? new Float32Array(a.geometry.xSize),
)
const convFilter = kernelPair<Conv2DBackpropFilterArgs>(
  'Conv2DBackpropFilter',
  (a) => [a.x, a.dy],
  (a) => a.dw ?? new Float32Array(a.geometry.filterSize),
)

/** y = conv2d(x, filter); returns y. */
export const conv2d = conv[0]
/** conv2d on a worker thread. */
export const conv2dAsync = conv[1]
/** Gradient of conv2d with respect to x; returns dx. */
export const conv2dBackpropInput = convInput[0]
/** conv2dBackpropInput on a worker thread. */
export const conv2dBackpropInputAsync = convInput[1]
/** Gradient of conv2d with respect to the filter; returns dw (HWIO). */
export const conv2dBackpropFilter = convFilter[0]
/** conv2dBackpropFilter on a worker thread. */
export const conv2dBackpropFilterAsync = convFilter[1]
