// The argument kinds of every function the native addon exports, for the fuzz test.
// A new native function must be added here: the fuzz test fails on an export it does not
// know (docs/adding-a-kernel.md).

/** What one positional argument is; the fuzzer draws hostile values of that kind. */
export type ArgKind =
  | 'f32'
  | 'i32'
  | 'u16'
  | 'u8'
  | 'f32?'
  | 'u8?'
  | 'f32|i32'
  | 'typed'
  | 'shape'
  | 'ints'
  | 'size'
  | 'num'
  | 'bool'
  | 'op'
  | 'dtype'
  | 'geom15'
  | 'geom12'
  | 'simd'
  | 'device'
  | 'stream'
  | 'ownStream'
  | 'buf'
  | 'buf?'
  | 'ownBuf'
  | 'operand'
  | 'threads'
  | 'gbdtParams'
  | 'booster'
  | 'stepSpec'
  | 'f64'
  | 'step'
  | 'f32[]'
  | 'fn'

const gemm: ArgKind[] = ['bool', 'bool', 'size', 'size', 'size', 'size', 'num', 'f32', 'f32', 'num', 'f32']
const gemmBf16: ArgKind[] = ['bool', 'bool', 'size', 'size', 'size', 'size', 'num', 'u16', 'u16', 'num', 'f32']
const conv: ArgKind[] = ['f32', 'f32', 'f32', 'geom15']
const pool2: ArgKind[] = ['f32', 'f32', 'geom12']
const pool3: ArgKind[] = ['f32', 'f32', 'f32', 'geom12']
const cudaConv: ArgKind[] = ['stream', 'buf', 'buf', 'buf', 'geom15']
const cudaPool2: ArgKind[] = ['stream', 'buf', 'buf', 'geom12']
const cudaPool3: ArgKind[] = ['stream', 'buf', 'buf', 'buf', 'geom12']
const broadcast = (t: ArgKind, y: ArgKind): ArgKind[] => ['op', t, 'shape', t, 'shape', y, 'shape']
const trees: ArgKind[] = ['i32', 'f32', 'i32', 'i32', 'u8', 'f32', 'i32']
const gbdtPredict: ArgKind[] = [...trees, 'size', 'f32', 'size', 'f32']
const cudaBroadcast: ArgKind[] = ['stream', 'op', 'operand', 'shape', 'operand', 'shape', 'buf', 'shape']

/** Every export and its arguments; the async twin of a function takes the same ones. */
export const SIGNATURES: Record<string, ArgKind[]> = {
  threads: [],
  setThreads: ['threads'],
  simd: [],
  detectedSimd: [],
  setSimd: ['simd'],
  sgemm: gemm,
  sgemmAsync: gemm,
  gemmPlan: ['size', 'size', 'size', 'bool', 'bool', 'simd', 'size', 'size', 'size'],
  cpuCaches: [],
  f32ToBf16: ['f32', 'u16'],
  bf16ToF32: ['u16', 'f32'],
  gemmBf16,
  gemmBf16Async: gemmBf16,
  bf16Kernel: ['simd', 'bool'],
  cpuHasAvx512Bf16: [],
  trainStepCreate: ['stepSpec', 'f64'],
  trainStep: ['step', 'f32', 'f32|i32', 'size', 'f32[]', 'f32[]', 'f32[]', 'f64', 'f32'],
  trainStepBegin: ['step', 'f32', 'f32|i32', 'size', 'f32[]', 'f32[]', 'f32'],
  trainStepBackward: ['step', 'size', 'f32[]', 'f32[]', 'f32[]', 'fn'],
  trainStepUpdate: ['step', 'f32[]', 'f32[]', 'f64', 'f32[]'],
  Conv2D: conv,
  Conv2DAsync: conv,
  Conv2DBackpropInput: conv,
  Conv2DBackpropInputAsync: conv,
  Conv2DBackpropFilter: conv,
  Conv2DBackpropFilterAsync: conv,
  MaxPool: pool2,
  MaxPoolAsync: pool2,
  MaxPoolGrad: pool3,
  MaxPoolGradAsync: pool3,
  AvgPool: pool2,
  AvgPoolAsync: pool2,
  AvgPoolGrad: pool2,
  AvgPoolGradAsync: pool2,
  deviceCount: [],
  cudaInfo: [],
  cudaDeviceInfo: ['device'],
  cudaSgemm: ['device', ...gemm],
  cudaSgemmAsync: ['device', ...gemm],
  // m, n and k size buffers it allocates itself: small sizes only (see 'threads').
  cudaSgemmBench: ['device', 'threads', 'threads', 'threads', 'threads', 'bool'],
  cudaStreamCreate: ['device'],
  cudaStreamDestroy: ['ownStream'],
  cudaStreamSync: ['stream'],
  cudaStreamSyncAsync: ['stream'],
  cudaAlloc: ['stream', 'size'],
  cudaFree: ['ownBuf'],
  cudaUpload: ['stream', 'buf', 'typed'],
  cudaDownload: ['stream', 'buf', 'typed'],
  cudaDownloadAsync: ['stream', 'buf', 'typed'],
  cudaCopy: ['stream', 'buf', 'size', 'size', 'buf', 'size', 'size', 'size', 'size'],
  cudaMemory: ['device'],
  cudaEmptyCache: ['device'],
  cudaResetPeakMemory: ['device'],
  cudaSetTf32: ['bool'],
  cudaTf32: [],
  cudaUnary: ['stream', 'op', 'buf', 'buf', 'size', 'num', 'num'],
  cudaBinary: cudaBroadcast,
  cudaCompare: ['stream', 'op', 'dtype', 'operand', 'shape', 'operand', 'shape', 'buf', 'shape'],
  cudaLogical: ['stream', 'op', 'buf', 'shape', 'buf', 'shape', 'buf', 'shape'],
  cudaLogicalNot: ['stream', 'buf', 'buf', 'size'],
  cudaSelect: ['stream', 'buf', 'size', 'buf', 'buf', 'buf', 'size'],
  cudaCast: ['stream', 'dtype', 'buf', 'dtype', 'buf', 'size'],
  cudaReduce: ['stream', 'op', 'dtype', 'buf', 'size', 'size', 'size', 'buf'],
  cudaArgReduce: ['stream', 'op', 'dtype', 'buf', 'size', 'size', 'size', 'buf'],
  cudaSoftmax: ['stream', 'buf', 'size', 'size', 'buf', 'bool'],
  cudaBatchNorm: ['stream', 'buf', 'size', 'buf', 'buf', 'buf?', 'buf?', 'num', 'buf'],
  cudaBiasAct: ['stream', 'buf', 'size', 'size', 'buf?', 'op', 'num'],
  cudaSgdUpdate: ['stream', 'buf', 'buf', 'num'],
  cudaMomentumUpdate: ['stream', 'buf', 'buf', 'buf', 'num', 'num', 'bool'],
  cudaAdamUpdate: ['stream', 'buf', 'buf', 'buf', 'buf', 'num', 'num', 'num', 'num', 'num', 'num'],
  cudaRmspropUpdate: ['stream', 'buf', 'buf', 'buf', 'buf', 'buf?', 'num', 'num', 'num', 'num', 'bool'],
  cudaTranspose: ['stream', 'buf', 'shape', 'ints', 'buf'],
  cudaTile: ['stream', 'buf', 'shape', 'ints', 'buf'],
  cudaSlice: ['stream', 'buf', 'shape', 'ints', 'ints', 'buf'],
  cudaFill: ['stream', 'buf', 'size', 'num', 'dtype'],
  cudaGather: ['stream', 'buf', 'size', 'size', 'size', 'buf', 'size', 'buf'],
  cudaOneHot: ['stream', 'buf', 'size', 'size', 'num', 'num', 'buf'],
  cudaConv2D: cudaConv,
  cudaConv2DBackpropInput: cudaConv,
  cudaConv2DBackpropFilter: cudaConv,
  cudaMaxPool: cudaPool2,
  cudaAvgPool: cudaPool2,
  cudaMaxPoolGrad: cudaPool3,
  cudaAvgPoolGrad: cudaPool2,
  cudaMatMul: ['stream', 'bool', 'bool', 'size', 'size', 'size', 'size', 'buf', 'buf', 'buf'],
  unary: ['op', 'f32', 'f32', 'num', 'num'],
  binary: broadcast('f32', 'f32'),
  compare: broadcast('f32|i32', 'u8'),
  logical: broadcast('u8', 'u8'),
  logicalNot: ['u8', 'u8'],
  select: ['u8', 'shape', 'f32|i32', 'f32|i32', 'f32|i32'],
  cast: ['typed', 'typed'],
  reduce: ['op', 'f32|i32', 'size', 'size', 'size', 'f32|i32'],
  argReduce: ['op', 'f32|i32', 'size', 'size', 'size', 'i32'],
  softmax: ['f32', 'size', 'size', 'f32'],
  logSoftmax: ['f32', 'size', 'size', 'f32'],
  batchNorm: ['f32', 'f32', 'f32', 'f32?', 'f32?', 'num', 'f32'],
  biasAct: ['f32', 'size', 'size', 'f32?', 'op', 'num'],
  sgdUpdate: ['f32', 'f32', 'num'],
  momentumUpdate: ['f32', 'f32', 'f32', 'num', 'num', 'bool'],
  adamUpdate: ['f32', 'f32', 'f32', 'f32', 'num', 'num', 'num', 'num', 'num', 'num'],
  rmspropUpdate: ['f32', 'f32', 'f32', 'f32', 'f32?', 'num', 'num', 'num', 'num', 'bool'],
  transpose: ['f32|i32', 'shape', 'ints', 'f32|i32'],
  tile: ['f32|i32', 'shape', 'ints', 'f32|i32'],
  slice: ['f32|i32', 'shape', 'ints', 'ints', 'f32|i32'],
  fill: ['f32|i32', 'num'],
  gather: ['f32|i32', 'size', 'size', 'size', 'i32', 'f32|i32'],
  oneHot: ['i32', 'size', 'num', 'num', 'f32'],
  collectiveEncode: ['f32', 'u8', 'op'],
  collectiveDecode: ['u8', 'f32', 'op'],
  collectiveAccumulate: ['f32', 'u8', 'op', 'num', 'u8?'],
  softmaxGrad: ['f32', 'f32', 'size', 'size', 'f32'],
  categoricalCrossentropy: ['f32|i32', 'f32', 'size', 'size', 'num', 'f32'],
  categoricalCrossentropyGrad: ['f32', 'f32|i32', 'f32', 'size', 'size', 'num', 'f32'],
  categoricalAccuracy: ['f32|i32', 'f32', 'size', 'size', 'f32'],
  gbdtCreate: ['f32', 'size', 'size', 'f32', 'f32?', 'size', 'f32?', 'gbdtParams'],
  gbdtBoost: ['booster', 'size'],
  gbdtBoostAsync: ['booster', 'size'],
  gbdtState: ['booster'],
  gbdtModel: ['booster', 'size'],
  gbdtLoad: ['booster', ...trees, 'f32'],
  gbdtPredict: gbdtPredict,
  gbdtPredictAsync: gbdtPredict,
}

/** Whether a kind is a device handle (only meaningful where a CUDA device exists). */
export const DEVICE_KINDS: ReadonlySet<ArgKind> = new Set(['stream', 'ownStream', 'buf', 'buf?', 'ownBuf', 'operand'])
