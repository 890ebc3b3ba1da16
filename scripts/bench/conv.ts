// Conv2D / Conv2DBackpropInput / Conv2DBackpropFilter throughput on the layers of a small
// Fashion-MNIST CNN ('same' padding, stride 1), then MaxPool/AvgPool and their gradients
// on its 2x2 stride-2 pooling layers.
//   tsx scripts/bench/conv.ts -- [--json] [--threads T] [--seconds S] [--shape NxHxWxCxFxK]
// --shape is batch x height x width x inChannels x filterSize x outChannels and selects
// that convolution alone (no pooling lines). Each line is the best of three rounds of
// --seconds / 3: the bench machines are shared, and one busy neighbour skews a mean.
import {
  avgPool,
  avgPoolGrad,
  conv2d,
  conv2dBackpropFilter,
  conv2dBackpropInput,
  convGeometry,
  maxPool,
  maxPoolGrad,
  poolGeometry,
} from '@kiln/native'
import { parseFlags, randomArray, report, round, timeIt } from './common.js'

const flags = parseFlags(process.argv.slice(2), 6)
const best = (fn: () => void): number => Math.min(...[0, 1, 2].map(() => timeIt(fn, flags.seconds / 3)))
const defaults = [
  [128, 28, 28, 1, 3, 32],
  [128, 14, 14, 32, 3, 64],
]
const shapes = flags.shapes.length > 0 ? flags.shapes : defaults

for (const [batch, h, w, c, f, k] of shapes as [number, number, number, number, number, number][]) {
  const g = convGeometry({
    batch,
    inHeight: h,
    inWidth: w,
    inChannels: c,
    filterHeight: f,
    filterWidth: f,
    outChannels: k,
    strides: 1,
    padding: 'same',
  })
  const x = randomArray(g.xSize, 1),
    filter = randomArray(g.filterSize, 2),
    dy = randomArray(g.ySize, 3)
  const y = new Float32Array(g.ySize),
    dx = new Float32Array(g.xSize),
    dw = new Float32Array(g.filterSize)
  const flops = 2 * batch * g.outHeight * g.outWidth * k * f * f * c
  const layer = `${h}x${w}x${c}->${k} ${f}x${f}`
  const ops: [string, () => void][] = [
    ['conv2d', () => conv2d({ x, filter, geometry: g, y })],
    ['conv2d_backprop_input', () => conv2dBackpropInput({ dy, filter, geometry: g, dx })],
    ['conv2d_backprop_filter', () => conv2dBackpropFilter({ x, dy, geometry: g, dw })],
  ]
  for (const [op, fn] of ops) {
    const s = best(fn)
    report(flags, {
      op,
      layer,
      batch,
      threads: flags.threads!,
      ms: round(s * 1e3, 3),
      gflops: round(flops / s / 1e9, 1),
    })
  }
}

if (flags.shapes.length === 0) {
  const batch = 128
  for (const [h, w, c] of [
    [28, 28, 32],
    [14, 14, 64],
  ] as [number, number, number][]) {
    const g = poolGeometry({ batch, inHeight: h, inWidth: w, channels: c, filterSize: 2, strides: 2, padding: 'same' })
    const x = randomArray(g.xSize, 4),
      dy = randomArray(g.ySize, 5)
    const y = new Float32Array(g.ySize),
      dx = new Float32Array(g.xSize)
    const layer = `${h}x${w}x${c} 2x2/2`
    // Bytes each op must read and write once.
    const ops: [string, () => void, number][] = [
      ['max_pool', () => maxPool({ x, geometry: g, y }), g.xSize + g.ySize],
      ['max_pool_grad', () => maxPoolGrad({ dy, x, geometry: g, dx }), g.ySize + 2 * g.xSize],
      ['avg_pool', () => avgPool({ x, geometry: g, y }), g.xSize + g.ySize],
      ['avg_pool_grad', () => avgPoolGrad({ dy, geometry: g, dx }), g.ySize + g.xSize],
    ]
    for (const [op, fn, floats] of ops) {
      const s = best(fn)
      report(flags, {
        op,
        layer,
        batch,
        threads: flags.threads!,
        ms: round(s * 1e3, 3),
        gbps: round((floats * 4) / s / 1e9, 1),
      })
    }
  }
}
