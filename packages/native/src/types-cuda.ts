// The kiln-cuda backend's device memory and device-resident kernels as the addon exposes
// them: opaque stream and buffer handles, the allocator's counters, and the NativeAddon
// methods that take them (merged into NativeAddon in types.ts).
import './types.js'

/** A CUDA stream (one per kiln-cuda backend instance); opaque. */
export interface CudaStream {
  readonly __kilnCudaStream: true
}
/** Device memory from the caching allocator; opaque. Freed by cudaFree or, at the latest, by GC. */
export interface DeviceBuffer {
  readonly __kilnDeviceBuffer: true
}

/** The caching allocator's counters for one device (bytes and counts). */
export interface CudaMemoryStats {
  allocated: number
  requested: number
  reserved: number
  peakAllocated: number
  peakReserved: number
  activeBlocks: number
  cachedBlocks: number
  allocations: number
  cacheHits: number
  deviceMallocs: number
  deviceFrees: number
  outOfMemory: number
}

type Buf = DeviceBuffer
type HostArray = Float32Array | Int32Array | Uint8Array
/** A broadcasting operand: a device buffer, or one value passed by value (shape of size 1). */
type Operand = Buf | number

// Device-resident kernels and memory of the kiln-cuda backend (native/binding/
// bind_cuda_*.cc). Stream first; buffers are checked against the sizes the other
// arguments imply (RangeError); the work is queued on the stream and the call returns.
// Without CUDA compiled in or a device, each throws KilnNativeError NO_DEVICE.
// dtype codes: 0 float32, 1 int32, 2 bool.
declare module './types.js' {
  interface NativeAddon {
    cudaStreamCreate(device: number): CudaStream
    cudaStreamDestroy(stream: CudaStream): void
    cudaStreamSync(stream: CudaStream): void
    cudaStreamSyncAsync(stream: CudaStream): Promise<void>
    cudaAlloc(stream: CudaStream, bytes: number): Buf
    cudaFree(buffer: Buf): void
    cudaUpload(stream: CudaStream, buffer: Buf, array: HostArray): void
    cudaDownload(stream: CudaStream, buffer: Buf, array: HostArray): void
    cudaDownloadAsync(stream: CudaStream, buffer: Buf, array: HostArray): Promise<void>
    cudaCopy(
      stream: CudaStream,
      dst: Buf,
      dstOffset: number,
      dstPitch: number,
      src: Buf,
      srcOffset: number,
      srcPitch: number,
      rowBytes: number,
      rows: number,
    ): void
    cudaMemory(device: number): CudaMemoryStats
    cudaEmptyCache(device: number): void
    cudaResetPeakMemory(device: number): void
    cudaSetTf32(on: boolean): boolean
    cudaTf32(): boolean

    cudaUnary(stream: CudaStream, op: number, x: Buf, y: Buf, n: number, alpha: number, beta: number): void
    cudaBinary(
      stream: CudaStream,
      op: number,
      a: Operand,
      aShape: Int32Array,
      b: Operand,
      bShape: Int32Array,
      y: Buf,
      yShape: Int32Array,
    ): void
    cudaCompare(
      stream: CudaStream,
      op: number,
      dtype: number,
      a: Operand,
      aShape: Int32Array,
      b: Operand,
      bShape: Int32Array,
      y: Buf,
      yShape: Int32Array,
    ): void
    cudaLogical(
      stream: CudaStream,
      op: number,
      a: Buf,
      aShape: Int32Array,
      b: Buf,
      bShape: Int32Array,
      y: Buf,
      yShape: Int32Array,
    ): void
    cudaLogicalNot(stream: CudaStream, x: Buf, y: Buf, n: number): void
    cudaSelect(stream: CudaStream, cond: Buf, condN: number, a: Buf, b: Buf, y: Buf, n: number): void
    cudaCast(stream: CudaStream, from: number, x: Buf, to: number, y: Buf, n: number): void
    cudaReduce(
      stream: CudaStream,
      op: number,
      dtype: number,
      x: Buf,
      outer: number,
      size: number,
      inner: number,
      y: Buf,
    ): void
    cudaArgReduce(
      stream: CudaStream,
      op: number,
      dtype: number,
      x: Buf,
      outer: number,
      size: number,
      inner: number,
      y: Buf,
    ): void
    cudaSoftmax(stream: CudaStream, x: Buf, rows: number, cols: number, y: Buf, log: boolean): void
    cudaBatchNorm(
      stream: CudaStream,
      x: Buf,
      channels: number,
      mean: Buf,
      variance: Buf,
      offset: Buf | null,
      scale: Buf | null,
      epsilon: number,
      y: Buf,
    ): void
    cudaBiasAct(
      stream: CudaStream,
      y: Buf,
      rows: number,
      cols: number,
      bias: Buf | null,
      act: number,
      alpha: number,
    ): void
    cudaSgdUpdate(stream: CudaStream, v: Buf, g: Buf, lr: number): void
    cudaMomentumUpdate(
      stream: CudaStream,
      v: Buf,
      g: Buf,
      accum: Buf,
      lr: number,
      momentum: number,
      nesterov: boolean,
    ): void
    cudaAdamUpdate(
      stream: CudaStream,
      v: Buf,
      g: Buf,
      m: Buf,
      s: Buf,
      lr: number,
      beta1: number,
      beta2: number,
      epsilon: number,
      beta1Power: number,
      beta2Power: number,
    ): void
    cudaRmspropUpdate(
      stream: CudaStream,
      v: Buf,
      g: Buf,
      ms: Buf,
      mom: Buf,
      mg: Buf | null,
      lr: number,
      decay: number,
      momentum: number,
      epsilon: number,
      centered: boolean,
    ): void
    cudaTranspose(stream: CudaStream, x: Buf, xShape: Int32Array, perm: Int32Array, y: Buf): void
    cudaTile(stream: CudaStream, x: Buf, xShape: Int32Array, reps: Int32Array, y: Buf): void
    cudaSlice(stream: CudaStream, x: Buf, xShape: Int32Array, begin: Int32Array, size: Int32Array, y: Buf): void
    cudaFill(stream: CudaStream, y: Buf, n: number, value: number, dtype: number): void
    cudaGather(
      stream: CudaStream,
      x: Buf,
      outer: number,
      axisSize: number,
      inner: number,
      indices: Buf,
      nIndices: number,
      y: Buf,
    ): void
    cudaOneHot(
      stream: CudaStream,
      indices: Buf,
      n: number,
      depth: number,
      onValue: number,
      offValue: number,
      y: Buf,
    ): void
    cudaConv2D(stream: CudaStream, x: Buf, filter: Buf, y: Buf, geom: Int32Array): void
    cudaConv2DBackpropInput(stream: CudaStream, dy: Buf, filter: Buf, dx: Buf, geom: Int32Array): void
    cudaConv2DBackpropFilter(stream: CudaStream, x: Buf, dy: Buf, dw: Buf, geom: Int32Array): void
    cudaMaxPool(stream: CudaStream, x: Buf, y: Buf, geom: Int32Array): void
    cudaAvgPool(stream: CudaStream, x: Buf, y: Buf, geom: Int32Array): void
    cudaMaxPoolGrad(stream: CudaStream, dy: Buf, x: Buf, dx: Buf, geom: Int32Array): void
    cudaAvgPoolGrad(stream: CudaStream, dy: Buf, dx: Buf, geom: Int32Array): void
    cudaMatMul(
      stream: CudaStream,
      transA: boolean,
      transB: boolean,
      batch: number,
      m: number,
      n: number,
      k: number,
      a: Buf,
      b: Buf,
      y: Buf,
    ): void
  }
}
