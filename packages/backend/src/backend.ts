// The "kiln" backend: tfjs-backend-cpu's storage (plain typed arrays in host memory),
// with the kernels on the training and inference hot path replaced by native ones.
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu'
import type { DataId, DataType, TensorInfo, backend_util } from '@tensorflow/tfjs-core'
import { BufferPool } from './buffer-pool.js'

export class KilnBackend extends MathBackendCPU {
  private readonly pool = new BufferPool()

  constructor() {
    super()
    // tfjs-backend-cpu prints an "install tfjs-node" banner on first use in Node; the
    // advice is wrong for kiln, which is the fast Node backend.
    ;(this as unknown as { firstUse: boolean }).firstUse = false
  }

  /** The typed array behind a tensor, read in place (no copy). */
  values<T = Float32Array>(t: TensorInfo): T {
    return this.data.get(t.dataId).values as T
  }

  /** A float32 output buffer of n elements, contents unspecified (overwrite all of it). */
  f32(n: number): Float32Array {
    return this.pool.take(Float32Array, n)
  }

  /** A bool (Uint8Array) output buffer, contents unspecified. */
  u8(n: number): Uint8Array {
    return this.pool.take(Uint8Array, n)
  }

  /** An int32 output buffer, contents unspecified. */
  i32(n: number): Int32Array {
    return this.pool.take(Int32Array, n)
  }

  /** An output buffer for dtype, contents unspecified. */
  alloc<D extends DataType>(
    dtype: D,
    n: number,
  ): D extends 'bool' ? Uint8Array : D extends 'int32' ? Int32Array : Float32Array {
    const ctor = dtype === 'int32' ? Int32Array : dtype === 'bool' ? Uint8Array : Float32Array
    return this.pool.take(ctor, n)
  }

  /** Wraps a freshly computed array as a tensor owned by this backend. */
  output(shape: number[], dtype: DataType, values: Float32Array | Int32Array | Uint8Array): TensorInfo {
    return this.makeTensorInfo(shape, dtype, values)
  }

  /** True when the tensor's array came from the buffer pool and goes back to it on dispose. */
  recyclable(dataId: DataId): boolean {
    return this.pool.isOwned(this.data.get(dataId)?.values)
  }

  /** True when the tensor's array is backend-allocated, unshared and never exposed. */
  ownsPrivately(dataId: DataId): boolean {
    const entry = this.data.get(dataId)
    return !!entry && entry.refCount === 1 && this.pool.isOwned(entry.values)
  }

  /**
   * Called before a tfjs-backend-cpu kernel runs on kiln tensors: some of those kernels
   * (Slice, SplitV, Unpack, TopK) return views into their inputs' memory, so these
   * arrays must never be recycled.
   */
  escapeInputs(inputs: Record<string, TensorInfo | null | undefined>): void {
    for (const t of Object.values(inputs)) if (t) this.pool.escape(this.data.get(t.dataId)?.values)
  }

  override readSync(dataId: DataId): backend_util.BackendValues {
    const values = super.readSync(dataId)
    this.pool.escape(values)
    return values
  }

  override read(dataId: DataId): Promise<backend_util.BackendValues> {
    this.pool.escape(this.data.get(dataId)?.values)
    return super.read(dataId)
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const entry = this.data.get(dataId)
    const values = entry?.values
    const released = super.disposeData(dataId, force)
    if (released && values && !this.data.has(dataId)) this.pool.give(values)
    return released
  }

  override dispose(): void {
    this.pool.clear()
    super.dispose()
  }
}
