// The kernels that model.fit / evaluate / predict reach for the layers, losses,
// optimizers and metrics Kiln supports (Dense, Conv2D, MaxPooling2D, AveragePooling2D,
// Flatten, Dropout, BatchNormalization; relu/sigmoid/tanh/softmax/elu/gelu; the four
// losses; SGD/momentum/Adam/RMSProp; accuracy metrics). Found with
// tf.profile(...).kernelNames on such models on the cpu backend (tfjs 4.22); the
// backend test re-profiles and fails if a kernel seen there is missing from this list
// or not served natively.

/**
 * Kiln's own kernels for whole Dense layers and the categorical-crossentropy head
 * (fused-dense.ts, fused-head.ts): on kiln they replace most of the kernels below for
 * such models, so profiling on kiln finds them.
 */
export const FUSED_KERNELS = [
  'KilnDense',
  'KilnDenseBackprop',
  'KilnCategoricalCrossentropy',
  'KilnCategoricalCrossentropyGrad',
  'KilnCategoricalAccuracy',
] as const

export const TRAINING_KERNELS = [
  'Abs',
  'Add',
  'ArgMax',
  'AvgPool',
  'AvgPoolGrad',
  'BatchMatMul',
  'Cast',
  'ClipByValue',
  'Conv2D',
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'Elu',
  'EluGrad',
  'Equal',
  'Erf',
  'Exp',
  'Floor',
  'FusedBatchNorm',
  'FusedConv2D',
  'GatherV2',
  'Greater',
  'GreaterEqual',
  'Identity',
  'LessEqual',
  'Log',
  'Log1p',
  'LogicalAnd',
  'MaxPool',
  'MaxPoolGrad',
  'Mean',
  'Multiply',
  'Neg',
  'OneHot',
  'OnesLike',
  'RealDiv',
  'Relu',
  'Reshape',
  'Rsqrt',
  'Select',
  'Sigmoid',
  'Slice',
  'Softmax',
  'Sqrt',
  'Square',
  'Step',
  'Sub',
  'Sum',
  'Tanh',
  'Tile',
  'ZerosLike',
  '_FusedMatMul',
  // model.predict over several batches concatenates their outputs.
  'Concat',
  ...FUSED_KERNELS,
] as const

/**
 * Kernels that move no numbers: tfjs-backend-cpu implements them by sharing the input's
 * buffer (a reference count), which is already optimal, so kiln keeps them.
 */
export const VIEW_KERNELS = ['Reshape', 'Identity'] as const
