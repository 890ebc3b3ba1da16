// The "kiln-cuda" backend's storage: tensors live in device memory (buffers from the
// addon's caching allocator) and cross to the host only when read. A tensor written
// from JS keeps its host values and is uploaded the first time a kernel needs it, so
// the scalars tfjs creates for x * 2 or 1 - y often never travel: kernels pass them by
// value. Every kernel is queued on this backend's one CUDA stream, in order, so a
// buffer freed here can be reused by the next kernel without waiting for the device.
import {
  DataStorage,
  engine,
  KernelBackend,
  util,
  type BackendTimingInfo,
  type DataId,
  type DataType,
  type TensorInfo,
  type backend_util,
} from '@tensorflow/tfjs-core'
import { addon, type CudaMemoryStats, type CudaStream, type DeviceBuffer } from '@kiln/native'

type Values = backend_util.BackendValues

interface CudaData {
  dtype: DataType
  /** Elements (not bytes). */
  size: number
  refCount: number
  /** The device copy, or null while the tensor only has host values. */
  buffer: DeviceBuffer | null
  /** Host values: what write() got, or a cached download; null when only the device has them. */
  values: Values | null
}

/** Native dtype codes of the cuda* kernels. */
export const DTYPE_CODE = { float32: 0, int32: 1, bool: 2 } as const

export const bytesPer = (dtype: DataType): number => (dtype === 'bool' ? 1 : 4)

/** A fresh host array of the dtype's typed-array kind. */
function hostArray(dtype: DataType, size: number): Float32Array | Int32Array | Uint8Array {
  return dtype === 'int32' ? new Int32Array(size) : dtype === 'bool' ? new Uint8Array(size) : new Float32Array(size)
}

// Host values as the typed array the device layout expects (tfjs may hand over plain
// arrays or another numeric typed array).
function asTyped(values: Values, dtype: DataType): Float32Array | Int32Array | Uint8Array {
  const want = dtype === 'int32' ? Int32Array : dtype === 'bool' ? Uint8Array : Float32Array
  if (values instanceof want) return values
  return want.from(values as ArrayLike<number>)
}

const deviceType = (dtype: DataType) => dtype === 'float32' || dtype === 'int32' || dtype === 'bool'

let nextId = 0

export class KilnCudaBackend extends KernelBackend {
  readonly data: DataStorage<CudaData>
  readonly stream: CudaStream
  private disposed = false

  constructor(readonly device = 0) {
    super()
    this.stream = addon.cudaStreamCreate(device)
    this.data = new DataStorage(this, engine())
  }

  // ---- TensorStorage --------------------------------------------------------------

  override write(values: Values, shape: number[], dtype: DataType): DataId {
    const dataId = { id: nextId++ }
    this.data.set(dataId, { dtype, size: util.sizeFromShape(shape), refCount: 1, buffer: null, values })
    return dataId
  }

  override move(dataId: DataId, values: Values, shape: number[], dtype: DataType, refCount: number): void {
    this.data.set(dataId, { dtype, size: util.sizeFromShape(shape), refCount, buffer: null, values })
  }

  /** A tensor of this backend from host values (kernels that compute on the host). */
  makeTensorInfo(shape: number[], dtype: DataType, values?: Values): TensorInfo {
    const v = values ?? hostArray(dtype, util.sizeFromShape(shape))
    const first = (v as ArrayLike<unknown>)[0]
    const encoded =
      dtype === 'string' && typeof first === 'string' ? (v as unknown as string[]).map((s) => util.encodeString(s)) : v
    return { dataId: this.write(encoded, shape, dtype), shape, dtype }
  }

  override refCount(dataId: DataId): number {
    return this.data.has(dataId) ? this.data.get(dataId).refCount : 0
  }

  override incRef(dataId: DataId): void {
    this.data.get(dataId).refCount++
  }

  override numDataIds(): number {
    return this.data.numDataIds()
  }

  override readSync(dataId: DataId): Values {
    const d = this.data.get(dataId)
    if (d.values) return util.convertBackendValuesAndArrayBuffer(d.values, d.dtype)
    const out = hostArray(d.dtype, d.size)
    addon.cudaDownload(this.stream, d.buffer!, out)
    d.values = out
    return out
  }

  /** Resolves once the copy is done; the copy runs in stream order and the event loop stays free. */
  override async read(dataId: DataId): Promise<Values> {
    const d = this.data.get(dataId)
    if (d.values) return util.convertBackendValuesAndArrayBuffer(d.values, d.dtype)
    const out = hostArray(d.dtype, d.size)
    const buffer = d.buffer!
    await addon.cudaDownloadAsync(this.stream, buffer, out)
    // Cache it unless the tensor changed meanwhile (an in-place optimizer update).
    if (this.data.has(dataId) && d.buffer === buffer && d.values === null) d.values = out
    return out
  }

  override disposeData(dataId: DataId, force = false): boolean {
    if (!this.data.has(dataId)) return true
    const d = this.data.get(dataId)
    d.refCount--
    if (!force && d.refCount > 0) return false
    if (d.buffer) addon.cudaFree(d.buffer)
    this.data.delete(dataId)
    return true
  }

  /** Used by tfjs for intermediate results a kernel made and does not return. */
  disposeIntermediateTensorInfo(t: TensorInfo): void {
    this.disposeData(t.dataId)
  }

  // ---- device access for kernels ---------------------------------------------------

  /** The device copy of a tensor, uploading its host values the first time. */
  buffer(t: TensorInfo): DeviceBuffer {
    const d = this.data.get(t.dataId)
    if (d.buffer) return d.buffer
    if (!deviceType(d.dtype)) throw new Error(`kiln-cuda: ${d.dtype} tensors stay on the host`)
    const host = asTyped(d.values!, d.dtype)
    d.buffer = addon.cudaAlloc(this.stream, d.size * bytesPer(d.dtype))
    addon.cudaUpload(this.stream, d.buffer, host)
    // Large host copies are dropped (the device has the data); one-element ones are kept
    // so kernels can pass them by value.
    if (d.size > 1) d.values = null
    return d.buffer
  }

  /** A one-element tensor's value when it is on the host (pass by value), else undefined. */
  hostScalar(t: TensorInfo): number | undefined {
    const d = this.data.get(t.dataId)
    if (d.size !== 1 || !d.values || !deviceType(d.dtype)) return undefined
    return Number((d.values as ArrayLike<number>)[0])
  }

  /** A new device buffer for `size` elements of dtype (contents unspecified). */
  alloc(dtype: DataType, size: number): DeviceBuffer {
    return addon.cudaAlloc(this.stream, size * bytesPer(dtype))
  }

  /** Wraps a kernel's output buffer as a tensor of this backend. */
  output(shape: number[], dtype: DataType, buffer: DeviceBuffer): TensorInfo {
    const dataId = { id: nextId++ }
    this.data.set(dataId, { dtype, size: util.sizeFromShape(shape), refCount: 1, buffer, values: null })
    return { dataId, shape, dtype }
  }

  /** A shape as the Int32Array the native kernels take. */
  shape(t: TensorInfo | readonly number[]): Int32Array {
    return Int32Array.from('shape' in t ? t.shape : t)
  }

  /**
   * The device buffer of a tensor that is about to be updated in place (fused optimizer
   * steps): present, shared with no other tensor, and with no host copy left to go stale.
   * Returns undefined when the tensor shares its data (a view) and must not be written.
   */
  privateBuffer(t: TensorInfo): DeviceBuffer | undefined {
    const d = this.data.get(t.dataId)
    if (d.refCount !== 1 || d.dtype !== 'float32') return undefined
    const b = this.buffer(t)
    d.values = null
    return b
  }

  // ---- the rest of KernelBackend ----------------------------------------------------

  override timerAvailable(): boolean {
    return true
  }

  /** Wall time of f plus the device work it queued. */
  override async time(f: () => void): Promise<BackendTimingInfo> {
    const start = util.now()
    f()
    await addon.cudaStreamSyncAsync(this.stream)
    return { kernelMs: util.now() - start }
  }

  override memory(): { unreliable: boolean; reasons?: string[] } & Partial<CudaMemoryStats> & {
      numBytesInGPU?: number
    } {
    const stats = addon.cudaMemory(this.device)
    return { unreliable: false, numBytesInGPU: stats.allocated, ...stats }
  }

  override floatPrecision(): 32 {
    return 32
  }

  override epsilon(): number {
    return 1e-7
  }

  /** Waits for every queued kernel (errors inside kernels surface here). */
  sync(): void {
    addon.cudaStreamSync(this.stream)
  }

  override dispose(): void {
    if (this.disposed) return
    this.disposed = true
    addon.cudaStreamDestroy(this.stream)
  }
}
