// Data movement and creation: gather, one-hot, cast, transpose, tile, slice, fills.
import * as tfc from '@tensorflow/tfjs-core'
import { backend_util, slice_util, util, type DataType, type TensorInfo } from '@tensorflow/tfjs-core'
import { addon } from '@kiln/native'
import { cpuFallback, nativeKernel, sizeOf } from './native-kernel.js'

type Numeric = Float32Array | Int32Array
const isNumeric = (d: DataType) => d === 'float32' || d === 'int32'

// First index of a run i0, i0 + 1, ... inside [0, size), or -1.
function contiguousRun(indices: Int32Array, size: number): number {
  const i0 = indices[0] ?? -1
  if (i0 < 0 || i0 + indices.length > size) return -1
  for (let i = 1; i < indices.length; i++) if (indices[i] !== i0 + i) return -1
  return i0
}

export const gatherKernel = nativeKernel(tfc.GatherV2, (args) => {
  const { x, indices } = args.inputs as { x: TensorInfo; indices: TensorInfo }
  const { axis, batchDims } = args.attrs as { axis: number; batchDims: number }
  if (!isNumeric(x.dtype) || indices.dtype !== 'int32' || (batchDims ?? 0) !== 0) return cpuFallback(tfc.GatherV2, args)
  const ax = util.parseAxisParam(axis, x.shape)[0]!
  const outer = sizeOf(x.shape.slice(0, ax)),
    inner = sizeOf(x.shape.slice(ax + 1))
  const outShape = [...x.shape.slice(0, ax), ...indices.shape, ...x.shape.slice(ax + 1)]
  const src = args.backend.values<Float32Array | Int32Array>(x),
    idx = args.backend.values<Int32Array>(indices)
  // model.fit gathers every batch, in order when shuffle is off: a run of consecutive rows
  // of user data is a view of x, as tfjs-backend-cpu's Slice gives. Not of a pooled array:
  // the view would pin it (never recycled), and a fresh copy of a whole dataset costs more
  // in page faults than copying its batches.
  const run =
    outer === 1 && idx.length > 0 && !args.backend.recyclable(x.dataId) ? contiguousRun(idx, x.shape[ax]!) : -1
  if (run >= 0) return args.backend.output(outShape, x.dtype, src.subarray(run * inner, (run + idx.length) * inner))
  const out = args.backend.alloc(x.dtype, sizeOf(outShape))
  addon.gather(src, outer, x.shape[ax]!, inner, idx, out)
  return args.backend.output(outShape, x.dtype, out)
})

// Whole numbers a float32 holds exactly, so a float one-hot cast to int32 is exact.
const exactInFloat = (v: number) => Number.isInteger(v) && Math.abs(v) <= 2 ** 24

export const oneHotKernel = nativeKernel(tfc.OneHot, (args) => {
  const { indices } = args.inputs as { indices: TensorInfo }
  const { depth, onValue, offValue, dtype } = args.attrs as {
    depth: number
    onValue: number
    offValue: number
    dtype: DataType
  }
  // tf.oneHot defaults to int32, and sparseCategoricalCrossentropy uses that default: the
  // native one-hot writes float32, then a native cast makes the int32 result.
  const asInt = dtype === 'int32' && exactInFloat(onValue) && exactInFloat(offValue)
  if (indices.dtype !== 'int32' || (dtype !== 'float32' && dtype !== undefined && !asInt))
    return cpuFallback(tfc.OneHot, args)
  const out = args.backend.f32(sizeOf(indices.shape) * depth)
  addon.oneHot(args.backend.values(indices), depth, onValue, offValue, out)
  if (!asInt) return args.backend.output([...indices.shape, depth], 'float32', out)
  const ints = args.backend.i32(out.length)
  addon.cast(out, ints)
  return args.backend.output([...indices.shape, depth], 'int32', ints)
})

const CASTABLE: DataType[] = ['float32', 'int32', 'bool']

export const castKernel = nativeKernel(tfc.Cast, (args) => {
  const { x } = args.inputs as { x: TensorInfo }
  const { dtype } = args.attrs as { dtype: DataType }
  if (x.dtype === dtype) {
    // Same dtype: share the buffer (a reference count, no copy), as every backend does.
    args.backend.incRef(x.dataId)
    return { dataId: x.dataId, shape: [...x.shape], dtype }
  }
  if (!CASTABLE.includes(x.dtype) || !CASTABLE.includes(dtype)) return cpuFallback(tfc.Cast, args)
  const n = sizeOf(x.shape)
  const out = args.backend.alloc(dtype, n)
  addon.cast(args.backend.values(x), out)
  return args.backend.output([...x.shape], dtype, out)
})

export const transposeKernel = nativeKernel(tfc.Transpose, (args) => {
  const { x } = args.inputs as { x: TensorInfo }
  const { perm } = args.attrs as { perm: number[] }
  if (!isNumeric(x.dtype)) return cpuFallback(tfc.Transpose, args)
  const outShape = perm.map((p) => x.shape[p]!)
  const out = args.backend.alloc(x.dtype, sizeOf(outShape))
  addon.transpose(args.backend.values(x), Int32Array.from(x.shape), Int32Array.from(perm), out)
  return args.backend.output(outShape, x.dtype, out)
})

export const tileKernel = nativeKernel(tfc.Tile, (args) => {
  const { x } = args.inputs as { x: TensorInfo }
  const { reps } = args.attrs as { reps: number[] }
  if (!isNumeric(x.dtype)) return cpuFallback(tfc.Tile, args)
  const outShape = x.shape.map((d, i) => d * reps[i]!)
  const out = args.backend.alloc(x.dtype, sizeOf(outShape))
  addon.tile(args.backend.values(x), Int32Array.from(x.shape), Int32Array.from(reps), out)
  return args.backend.output(outShape, x.dtype, out)
})

export const sliceKernel = nativeKernel(tfc.Slice, (args) => {
  const { x } = args.inputs as { x: TensorInfo }
  const { begin, size } = args.attrs as { begin: number | number[]; size: number | number[] }
  if (!isNumeric(x.dtype)) return cpuFallback(tfc.Slice, args)
  const [b, s] = slice_util.parseSliceParams(x as tfc.Tensor, begin, size) as [number[], number[]]
  slice_util.assertParamsValid(x as tfc.Tensor, b, s)
  const out = args.backend.alloc(x.dtype, sizeOf(s))
  addon.slice(args.backend.values(x), Int32Array.from(x.shape), Int32Array.from(b), Int32Array.from(s), out)
  return args.backend.output(s, x.dtype, out)
})

function filled(name: string, value: (dtype: DataType) => number) {
  return nativeKernel(name, (args) => {
    const { x } = args.inputs as { x: TensorInfo }
    if (!isNumeric(x.dtype)) return cpuFallback(name, args)
    const out = args.backend.alloc(x.dtype, sizeOf(x.shape))
    const v = value(x.dtype)
    addon.fill(out as Numeric, v)
    return args.backend.output([...x.shape], x.dtype, out)
  })
}

export const zerosLikeKernel = filled(tfc.ZerosLike, () => 0)
export const onesLikeKernel = filled(tfc.OnesLike, () => 1)

export const fillKernel = nativeKernel(tfc.Fill, (args) => {
  const { shape, value, dtype } = args.attrs as { shape: number[]; value: number; dtype: DataType }
  if (!isNumeric(dtype ?? 'float32')) return cpuFallback(tfc.Fill, args)
  const out = args.backend.alloc(dtype ?? 'float32', sizeOf(shape))
  addon.fill(out as Numeric, value)
  return args.backend.output([...shape], dtype ?? 'float32', out)
})

// Concat copies whole contiguous runs with TypedArray.set (a memcpy inside V8): one run
// per input per outer index, e.g. one per input for model.predict's batch-axis concat.
export const concatKernel = nativeKernel(tfc.Concat, (args) => {
  const inputs = Object.values(args.inputs) as TensorInfo[]
  const { axis } = args.attrs as { axis: number | number[] }
  const dtype = inputs[0]?.dtype
  if (!dtype || !isNumeric(dtype) || inputs.some((t) => t.dtype !== dtype)) return cpuFallback(tfc.Concat, args)
  const ax = util.parseAxisParam(axis, inputs[0]!.shape)[0]!
  const outShape = backend_util.computeOutShape(
    inputs.map((t) => t.shape),
    ax,
  )
  const out = args.backend.alloc(dtype, sizeOf(outShape))
  const outer = sizeOf(outShape.slice(0, ax))
  const outRow = sizeOf(outShape.slice(ax))
  let offset = 0
  for (const t of inputs) {
    const row = sizeOf(t.shape.slice(ax))
    const src = args.backend.values<Float32Array | Int32Array>(t)
    for (let o = 0; o < outer; o++) out.set(src.subarray(o * row, (o + 1) * row), o * outRow + offset)
    offset += row
  }
  return args.backend.output(outShape, dtype, out)
})
