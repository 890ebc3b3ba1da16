// The addon's raw surface. Positional arguments keep per-call overhead low (training
// calls these thousands of times per epoch); the wrappers in this package add names.

export type SimdLevel = 'scalar' | 'avx2' | 'avx512'

export interface CudaInfo {
  compiled: boolean
  devices: number
  /** Why no device can be used; '' when one can. */
  reason: string
}

/** sgemm's positional list: (transA, transB, batch, m, n, k, alpha, a, b, beta, c). */
export type GemmCall<T extends Float32Array | Uint16Array, R> = (
  transA: boolean,
  transB: boolean,
  batch: number,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: T,
  b: T,
  beta: number,
  c: Float32Array,
) => R

export interface NativeAddon {
  threads(): number
  setThreads(threads: number): number
  simd(): SimdLevel
  detectedSimd(): SimdLevel
  setSimd(level: SimdLevel): SimdLevel
  sgemm: GemmCall<Float32Array, void>
  sgemmAsync: GemmCall<Float32Array, Promise<void>>
  gemmPlan(
    m: number,
    n: number,
    k: number,
    transA: boolean,
    transB: boolean,
    simd: SimdLevel,
    l1d: number,
    l2: number,
    l3: number,
    threads: number,
  ): GemmPlan
  cpuCaches(): CpuCaches
  f32ToBf16(src: Float32Array, dst: Uint16Array): void
  bf16ToF32(src: Uint16Array, dst: Float32Array): void
  gemmBf16: GemmCall<Uint16Array, void>
  gemmBf16Async: GemmCall<Uint16Array, Promise<void>>
  bf16Kernel(simd: SimdLevel, avx512bf16: boolean): string
  cpuHasAvx512Bf16(): boolean
  trainStepCreate(spec: Float64Array, paramSizes: Float64Array): unknown
  trainStep(
    step: unknown,
    x: Float32Array,
    y: Float32Array | Int32Array,
    batch: number,
    params: Float32Array[],
    slots: Float32Array[],
    masks: Float32Array[],
    hyper: Float64Array,
    out: Float32Array,
  ): void
  trainStepBegin(
    step: unknown,
    x: Float32Array,
    y: Float32Array | Int32Array,
    batch: number,
    params: Float32Array[],
    masks: Float32Array[],
    out: Float32Array,
  ): void
  trainStepBackward(
    step: unknown,
    batch: number,
    params: Float32Array[],
    masks: Float32Array[],
    grads: Float32Array[],
    ready: (param: number) => void,
  ): Promise<void>
  trainStepUpdate(
    step: unknown,
    params: Float32Array[],
    slots: Float32Array[],
    hyper: Float64Array,
    grads: Float32Array[],
  ): void
  deviceCount(): number
  cudaInfo(): CudaInfo
  [kernel: string]: unknown
}

/** Data cache sizes in bytes (L1d and L2 per core, L3 per instance), from CPUID. */
export interface CpuCaches {
  l1d: number
  l2: number
  l3: number
  /** Logical CPUs sharing one L3. */
  l3Sharing: number
}

/** How sgemm blocks one shape: microkernel MR x NR, depth blocks, B block width, A block rows. */
export interface GemmPlan {
  kernel: string
  mr: number
  nr: number
  kc: number
  kBlocks: number
  nc: number
  mc: number
  /** false: A is read in place (no packing pass). */
  packA: boolean
  /** Threads the product runs on (1: inline on the caller, too small to split). */
  threads: number
  /** Pool tasks per row block: colTasks column ranges x rowTasks row ranges. */
  colTasks: number
  rowTasks: number
}

// Convolution and pooling kernels (NHWC), named after the TensorFlow kernels. `geom` is
// the Int32Array built by convGeometry / poolGeometry; outputs are overwritten.
export interface NativeAddon {
  Conv2D(x: Float32Array, filter: Float32Array, y: Float32Array, geom: Int32Array): void
  Conv2DAsync(x: Float32Array, filter: Float32Array, y: Float32Array, geom: Int32Array): Promise<void>
  Conv2DBackpropInput(dy: Float32Array, filter: Float32Array, dx: Float32Array, geom: Int32Array): void
  Conv2DBackpropInputAsync(dy: Float32Array, filter: Float32Array, dx: Float32Array, geom: Int32Array): Promise<void>
  Conv2DBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, geom: Int32Array): void
  Conv2DBackpropFilterAsync(x: Float32Array, dy: Float32Array, dw: Float32Array, geom: Int32Array): Promise<void>
  MaxPool(x: Float32Array, y: Float32Array, geom: Int32Array): void
  MaxPoolAsync(x: Float32Array, y: Float32Array, geom: Int32Array): Promise<void>
  MaxPoolGrad(dy: Float32Array, x: Float32Array, dx: Float32Array, geom: Int32Array): void
  MaxPoolGradAsync(dy: Float32Array, x: Float32Array, dx: Float32Array, geom: Int32Array): Promise<void>
  AvgPool(x: Float32Array, y: Float32Array, geom: Int32Array): void
  AvgPoolAsync(x: Float32Array, y: Float32Array, geom: Int32Array): Promise<void>
  AvgPoolGrad(dy: Float32Array, dx: Float32Array, geom: Int32Array): void
  AvgPoolGradAsync(dy: Float32Array, dx: Float32Array, geom: Int32Array): Promise<void>
}

export interface CudaDeviceInfo {
  name: string
  /** Device memory in bytes. */
  totalMemory: number
  /** Compute capability major.minor, e.g. 9.0 for H100. */
  major: number
  minor: number
  multiprocessors: number
}

// CUDA kernels over host Float32Arrays; they throw (Async: reject) KilnNativeError
// code NO_DEVICE when no device can be used.
export interface NativeAddon {
  cudaDeviceInfo(device: number): CudaDeviceInfo
  cudaSgemm(
    device: number,
    transA: boolean,
    transB: boolean,
    batch: number,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    b: Float32Array,
    beta: number,
    c: Float32Array,
  ): void
  cudaSgemmAsync(
    device: number,
    transA: boolean,
    transB: boolean,
    batch: number,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    b: Float32Array,
    beta: number,
    c: Float32Array,
  ): Promise<void>
  /** Milliseconds per m x n x k sgemm, timed on the device; tf32 times the tensor-core kernel. */
  cudaSgemmBench(device: number, m: number, n: number, k: number, iters: number, tf32?: boolean): Promise<number>
}

// tfjs-backend kernels besides GEMM/conv/pool (see elementwise.ts, reduce.ts, nn.ts,
// optim.ts, layout.ts for the op codes). Shapes are Int32Arrays; outputs are
// caller-allocated and overwritten; all are synchronous.
type F32OrI32 = Float32Array | Int32Array
export interface NativeAddon {
  unary(op: number, x: Float32Array, y: Float32Array, alpha: number, beta: number): void
  binary(
    op: number,
    a: Float32Array,
    aShape: Int32Array,
    b: Float32Array,
    bShape: Int32Array,
    y: Float32Array,
    yShape: Int32Array,
  ): void
  compare(
    op: number,
    a: F32OrI32,
    aShape: Int32Array,
    b: F32OrI32,
    bShape: Int32Array,
    y: Uint8Array,
    yShape: Int32Array,
  ): void
  logical(
    op: number,
    a: Uint8Array,
    aShape: Int32Array,
    b: Uint8Array,
    bShape: Int32Array,
    y: Uint8Array,
    yShape: Int32Array,
  ): void
  logicalNot(x: Uint8Array, y: Uint8Array): void
  select(cond: Uint8Array, condShape: Int32Array, a: F32OrI32, b: F32OrI32, y: F32OrI32): void
  cast(x: F32OrI32 | Uint8Array, y: F32OrI32 | Uint8Array): void
  reduce(op: number, x: F32OrI32, outer: number, size: number, inner: number, y: F32OrI32): void
  argReduce(op: number, x: F32OrI32, outer: number, size: number, inner: number, y: Int32Array): void
  softmax(x: Float32Array, rows: number, cols: number, y: Float32Array): void
  logSoftmax(x: Float32Array, rows: number, cols: number, y: Float32Array): void
  batchNorm(
    x: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    offset: Float32Array | null,
    scale: Float32Array | null,
    epsilon: number,
    y: Float32Array,
  ): void
  biasAct(y: Float32Array, rows: number, cols: number, bias: Float32Array | null, act: number, alpha: number): void
  sgdUpdate(v: Float32Array, g: Float32Array, lr: number): void
  momentumUpdate(
    v: Float32Array,
    g: Float32Array,
    accum: Float32Array,
    lr: number,
    momentum: number,
    useNesterov: boolean,
  ): void
  adamUpdate(
    v: Float32Array,
    g: Float32Array,
    m: Float32Array,
    s: Float32Array,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    beta1Power: number,
    beta2Power: number,
  ): void
  rmspropUpdate(
    v: Float32Array,
    g: Float32Array,
    ms: Float32Array,
    mom: Float32Array,
    mg: Float32Array | null,
    lr: number,
    decay: number,
    momentum: number,
    eps: number,
    centered: boolean,
  ): void
  transpose(x: F32OrI32, xShape: Int32Array, perm: Int32Array, y: F32OrI32): void
  tile(x: F32OrI32, xShape: Int32Array, reps: Int32Array, y: F32OrI32): void
  slice(x: F32OrI32, xShape: Int32Array, begin: Int32Array, size: Int32Array, y: F32OrI32): void
  fill(y: F32OrI32, value: number): void
  gather(x: F32OrI32, outer: number, axisSize: number, inner: number, indices: Int32Array, y: F32OrI32): void
  oneHot(indices: Int32Array, depth: number, onValue: number, offValue: number, y: Float32Array): void
  softmaxGrad(dy: Float32Array, y: Float32Array, rows: number, cols: number, dx: Float32Array): void
  categoricalCrossentropy(
    target: F32OrI32,
    output: Float32Array,
    rows: number,
    cols: number,
    epsilon: number,
    loss: Float32Array,
  ): void
  categoricalCrossentropyGrad(
    dy: Float32Array,
    target: F32OrI32,
    output: Float32Array,
    rows: number,
    cols: number,
    epsilon: number,
    dx: Float32Array,
  ): void
  categoricalAccuracy(yTrue: F32OrI32, yPred: Float32Array, rows: number, cols: number, out: Float32Array): void
}
