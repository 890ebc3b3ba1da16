export { addon, addonPath } from './addon.js'
export type { CpuCaches, CudaInfo, GemmPlan, NativeAddon, SimdLevel } from './types.js'
export { sgemm, sgemmAsync, gemmPlan, cpuCaches, type GemmOptions, type GemmPlanOptions } from './gemm.js'
export {
  f32ToBf16,
  bf16ToF32,
  gemmBf16,
  gemmBf16Async,
  bf16Kernel,
  cpuHasAvx512Bf16,
  type Bf16GemmOptions,
  type Bf16KernelOptions,
} from './bf16.js'
export { threads, setThreads, simd, detectedSimd, setSimd, deviceCount, cudaInfo } from './system.js'
export {
  convGeometry,
  conv2d,
  conv2dAsync,
  conv2dBackpropInput,
  conv2dBackpropInputAsync,
  conv2dBackpropFilter,
  conv2dBackpropFilterAsync,
  type ConvGeometry,
  type ConvGeometryOptions,
  type WindowPadding,
  type WindowPair,
  type Conv2DArgs,
  type Conv2DBackpropInputArgs,
  type Conv2DBackpropFilterArgs,
} from './conv.js'
export {
  poolGeometry,
  maxPool,
  maxPoolAsync,
  maxPoolGrad,
  maxPoolGradAsync,
  avgPool,
  avgPoolAsync,
  avgPoolGrad,
  avgPoolGradAsync,
  type PoolGeometry,
  type PoolGeometryOptions,
  type PoolArgs,
  type MaxPoolGradArgs,
  type AvgPoolGradArgs,
} from './pool.js'
export type { CudaDeviceInfo } from './types.js'
export type { CudaMemoryStats, CudaStream, DeviceBuffer } from './types-cuda.js'
export {
  cudaSgemm,
  cudaSgemmAsync,
  cudaSgemmBench,
  cudaDeviceInfo,
  cudaMemory,
  cudaEmptyCache,
  cudaSetTf32,
  type CudaGemmOptions,
  type CudaSgemmBenchOptions,
} from './cuda.js'
export { broadcastShape, type ShapeLike } from './shape-arg.js'
export {
  UnaryOp,
  BinaryOp,
  CompareOp,
  LogicalOp,
  unary,
  binary,
  compare,
  logical,
  logicalNot,
  select,
  cast,
  type DTypeName,
} from './elementwise.js'
export { ReduceOp, ArgReduceOp, reduce, argReduce, softmax, logSoftmax } from './reduce.js'
export { Activation, batchNorm, biasAct, type BatchNormParams } from './nn.js'
export {
  StepLayerOp,
  StepOptimizer,
  trainStepCreate,
  trainStep,
  trainStepBegin,
  trainStepBackward,
  trainStepUpdate,
  type StepLayer,
  type StepSpec,
  type StepArgs,
  type TrainStepHandle,
} from './train-step.js'
export { sgdUpdate, momentumUpdate, adamUpdate, rmspropUpdate, type AdamStep, type RmspropStep } from './optim.js'
export { transpose, tile, slice, fill, gather, oneHot } from './layout.js'
export {
  softmaxGrad,
  categoricalCrossentropy,
  categoricalCrossentropyGrad,
  categoricalAccuracy,
} from './categorical.js'
export { WireType, wireBytes, wireEncode, wireDecode, wireAccumulate } from './collective.js'
export {
  GbdtObjective,
  gbdtCreate,
  gbdtBoost,
  gbdtState,
  gbdtTrees,
  gbdtLoad,
  gbdtPredict,
  gbdtPredictAsync,
  type GbdtParams,
  type GbdtTrees,
  type GbdtState,
  type GbdtBooster,
  type GbdtData,
} from './gbdt.js'
