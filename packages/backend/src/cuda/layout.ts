// Data movement and creation on the device: gather, one-hot, transpose, tile, slice,
// concat, fills, and the views (Reshape, Identity) that share their input's buffer.
import * as tfc from '@tensorflow/tfjs-core'
import { backend_util, slice_util, util, type DataType, type TensorInfo } from '@tensorflow/tfjs-core'
import { addon } from '@kiln/native'
import { DTYPE_CODE } from './backend.js'
import { cudaKernel, hostFallback } from './kernel.js'

const sizeOf = util.sizeFromShape
// 4-byte element kernels: float32 and int32 move alike.
const isNumeric = (d: DataType): d is 'float32' | 'int32' => d === 'float32' || d === 'int32'

export const cudaGatherKernel = cudaKernel(tfc.GatherV2, (args) => {
  const { x, indices } = args.inputs as { x: TensorInfo; indices: TensorInfo }
  const { axis, batchDims } = args.attrs as { axis: number; batchDims: number }
  if (!isNumeric(x.dtype) || indices.dtype !== 'int32' || (batchDims ?? 0) !== 0)
    return hostFallback(tfc.GatherV2, args)
  const b = args.backend
  const ax = util.parseAxisParam(axis, x.shape)[0]!
  const outer = sizeOf(x.shape.slice(0, ax)),
    inner = sizeOf(x.shape.slice(ax + 1))
  const outShape = [...x.shape.slice(0, ax), ...indices.shape, ...x.shape.slice(ax + 1)]
  const y = b.alloc(x.dtype, sizeOf(outShape))
  addon.cudaGather(b.stream, b.buffer(x), outer, x.shape[ax]!, inner, b.buffer(indices), sizeOf(indices.shape), y)
  return b.output(outShape, x.dtype, y)
})

export const cudaOneHotKernel = cudaKernel(tfc.OneHot, (args) => {
  const { indices } = args.inputs as { indices: TensorInfo }
  const { depth, onValue, offValue, dtype } = args.attrs as {
    depth: number
    onValue: number
    offValue: number
    dtype: DataType
  }
  const out = dtype ?? 'float32'
  if (indices.dtype !== 'int32' || !isNumeric(out)) return hostFallback(tfc.OneHot, args)
  const b = args.backend
  const n = sizeOf(indices.shape)
  const shape = [...indices.shape, depth]
  const y = b.alloc('float32', n * depth)
  addon.cudaOneHot(b.stream, b.buffer(indices), n, depth, onValue, offValue, y)
  if (out === 'float32') return b.output(shape, 'float32', y)
  // tf.oneHot defaults to int32 (sparseCategoricalCrossentropy uses it): cast on the device.
  const ints = b.alloc('int32', n * depth)
  addon.cudaCast(b.stream, DTYPE_CODE.float32, y, DTYPE_CODE.int32, ints, n * depth)
  addon.cudaFree(y)
  return b.output(shape, 'int32', ints)
})

export const cudaTransposeKernel = cudaKernel(tfc.Transpose, (args) => {
  const { x } = args.inputs as { x: TensorInfo }
  const { perm } = args.attrs as { perm: number[] }
  if (!isNumeric(x.dtype)) return hostFallback(tfc.Transpose, args)
  const b = args.backend
  const outShape = perm.map((p) => x.shape[p]!)
  const y = b.alloc(x.dtype, sizeOf(outShape))
  addon.cudaTranspose(b.stream, b.buffer(x), b.shape(x), Int32Array.from(perm), y)
  return b.output(outShape, x.dtype, y)
})

export const cudaTileKernel = cudaKernel(tfc.Tile, (args) => {
  const { x } = args.inputs as { x: TensorInfo }
  const { reps } = args.attrs as { reps: number[] }
  if (!isNumeric(x.dtype)) return hostFallback(tfc.Tile, args)
  const b = args.backend
  const outShape = x.shape.map((d, i) => d * reps[i]!)
  const y = b.alloc(x.dtype, sizeOf(outShape))
  addon.cudaTile(b.stream, b.buffer(x), b.shape(x), Int32Array.from(reps), y)
  return b.output(outShape, x.dtype, y)
})

export const cudaSliceKernel = cudaKernel(tfc.Slice, (args) => {
  const { x } = args.inputs as { x: TensorInfo }
  const { begin, size } = args.attrs as { begin: number | number[]; size: number | number[] }
  if (!isNumeric(x.dtype)) return hostFallback(tfc.Slice, args)
  const [bg, sz] = slice_util.parseSliceParams(x as tfc.Tensor, begin, size) as [number[], number[]]
  slice_util.assertParamsValid(x as tfc.Tensor, bg, sz)
  const b = args.backend
  const y = b.alloc(x.dtype, sizeOf(sz))
  addon.cudaSlice(b.stream, b.buffer(x), b.shape(x), Int32Array.from(bg), Int32Array.from(sz), y)
  return b.output(sz, x.dtype, y)
})

// Concat copies each input's contiguous runs (one per outer index) with one 2-D copy.
export const cudaConcatKernel = cudaKernel(tfc.Concat, (args) => {
  const inputs = Object.values(args.inputs) as TensorInfo[]
  const { axis } = args.attrs as { axis: number | number[] }
  const dtype = inputs[0]?.dtype
  if (!dtype || !isNumeric(dtype) || inputs.some((t) => t.dtype !== dtype)) return hostFallback(tfc.Concat, args)
  const b = args.backend
  const ax = util.parseAxisParam(axis, inputs[0]!.shape)[0]!
  const outShape = backend_util.computeOutShape(
    inputs.map((t) => t.shape),
    ax,
  )
  const y = b.alloc(dtype, sizeOf(outShape))
  const outer = sizeOf(outShape.slice(0, ax)),
    outRow = sizeOf(outShape.slice(ax)) * 4
  let offset = 0
  for (const t of inputs) {
    const row = sizeOf(t.shape.slice(ax)) * 4
    if (row > 0 && outer > 0) addon.cudaCopy(b.stream, y, offset, outRow, b.buffer(t), 0, row, row, outer)
    offset += row
  }
  return b.output(outShape, dtype, y)
})

function filled(name: string, value: () => number) {
  return cudaKernel(name, (args) => {
    const { x } = args.inputs as { x: TensorInfo }
    if (!isNumeric(x.dtype)) return hostFallback(name, args)
    const b = args.backend
    const n = sizeOf(x.shape)
    const y = b.alloc(x.dtype, n)
    addon.cudaFill(b.stream, y, n, value(), DTYPE_CODE[x.dtype])
    return b.output([...x.shape], x.dtype, y)
  })
}

export const cudaZerosLikeKernel = filled(tfc.ZerosLike, () => 0)
export const cudaOnesLikeKernel = filled(tfc.OnesLike, () => 1)

export const cudaFillKernel = cudaKernel(tfc.Fill, (args) => {
  const { shape, value, dtype } = args.attrs as { shape: number[]; value: number; dtype: DataType }
  const d = dtype ?? 'float32'
  if (!isNumeric(d)) return hostFallback(tfc.Fill, args)
  const b = args.backend
  const y = b.alloc(d, sizeOf(shape))
  addon.cudaFill(b.stream, y, sizeOf(shape), value, DTYPE_CODE[d])
  return b.output([...shape], d, y)
})

// Views: the output shares the input's data (a reference count), as on every backend.
export const cudaReshapeKernel = cudaKernel(tfc.Reshape, (args) => {
  const { x } = args.inputs as { x: TensorInfo }
  const { shape } = args.attrs as { shape: number[] }
  const size = sizeOf(x.shape)
  const out = util.inferFromImplicitShape(shape, size)
  util.assert(
    sizeOf(out) === size,
    () =>
      `new shape (${out}) has ${sizeOf(out)} elements; the old shape (${x.shape}) ` +
      `has ${size}: the sizes must match`,
  )
  args.backend.incRef(x.dataId)
  return { dataId: x.dataId, shape: out, dtype: x.dtype }
})

export const cudaIdentityKernel = cudaKernel(tfc.Identity, (args) => {
  const { x } = args.inputs as { x: TensorInfo }
  args.backend.incRef(x.dataId)
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype }
})
