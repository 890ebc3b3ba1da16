export { DatasetError, DatasetErrorCode } from './errors.js'
export { DType, dtypeSize } from './dtype.js'
export type { NumericArray, ShapedArray } from './dtype.js'

export { readIdx, parseIdx } from './idx-reader.js'
export { readNpy, parseNpy } from './npy-reader.js'
export { encodeNpy } from './npy-writer.js'
export { readCsv, parseCsv } from './csv-reader.js'
export { parseCsvRecords } from './csv-parse.js'
export type { CsvRecords } from './csv-parse.js'
export type { CsvOptions, CsvTable } from './csv-reader.js'

export { fromArrays, sampleSize, describing } from './dataset.js'
export type { Dataset, FromArraysInput, CategoricalFeature } from './dataset.js'
export { datasetFingerprint } from './fingerprint.js'
export { loadIdxPair } from './idx-pair.js'
export type { IdxPairOptions } from './idx-pair.js'
export { loadNpyPair } from './npy-pair.js'
export type { NpyPairOptions } from './npy-pair.js'
export { loadCsvDataset, csvDataset } from './csv-dataset.js'
export type { CsvDatasetOptions } from './csv-dataset.js'
export { loadMnistStyleDir } from './mnist-dir.js'
export type { TrainTest } from './mnist-dir.js'
export { loadFashionMnist, FASHION_MNIST_DIR } from './fashion-mnist.js'
export { loadSklearnTable, SKLEARN_TABLES, SKLEARN_DATA_DIR } from './sklearn-tables.js'
export type { FashionMnistOptions } from './fashion-mnist.js'
export { registerDataset, registeredDatasets } from './registry.js'
export type { DatasetLoader, ResolvedDataset } from './registry.js'
export { resolveDataset } from './resolve-dataset.js'

export { permutation } from './prng.js'
export { shuffle } from './shuffle.js'
export { splitValidation } from './split-validation.js'
export { take, shard, gather } from './select.js'
export { batches } from './batches.js'
export type { Batch, BatchOptions } from './batches.js'
export { oneHot } from './one-hot.js'
export { normalize, fitNormalization, standardizeTargets } from './normalize.js'
export type { Normalization, NormalizationMethod } from './normalize.js'

export {
  preprocessingSchema,
  ImputeStrategy,
  ScaleMethod,
  PREPROCESSING_FORMAT,
  fitPreprocessing,
  applyPreprocessing,
  preprocessDataset,
  augmentImages,
  imageGeometry,
  featureNamesOf,
  resolveColumns,
} from './preprocess/index.js'
export type {
  PreprocessingSpec,
  ColumnRef,
  FittedPreprocessing,
  FittedCategory,
  AugmentSpec,
} from './preprocess/index.js'
export { dataSchemaSchema, validateDataset } from './validate/index.js'
export type { DataSchema, DataCheck, DataValidationReport } from './validate/index.js'

export { featureStats } from './feature-stats.js'
export { nonFiniteFeatures, describeNonFinite } from './non-finite.js'
export type { NonFiniteFeature } from './non-finite.js'
export type { FeatureStats, FeatureSummary, FeatureStatsOptions } from './feature-stats.js'
export { labelDistribution } from './label-distribution.js'
export type { LabelDistribution } from './label-distribution.js'

export {
  encodeDataset,
  decodeDataset,
  DATASET_FORMAT,
  DATASET_FORMAT_VERSION,
  DatasetRecordSchema,
  importDataset,
  listDatasets,
  findDataset,
  fetchDataset,
  fetchDatasetFile,
  loadDatasetFile,
  datasetCachePath,
  MIN_ID_PREFIX,
  sha256Hex,
  putContent,
  fetchContent,
  IntegrityError,
  importSource,
  storeTransformed,
  readTransformOutput,
  predictedDataset,
  predictedClasses,
  isClassifier,
  storePredictedDataset,
} from './store/index.js'
export type {
  DecodeDatasetOptions,
  DatasetRecord,
  ImportDatasetOptions,
  FetchDatasetOptions,
  FetchedDataset,
  ImportSource,
  TransformSource,
  TransformOutput,
  TransformOrigin,
} from './store/index.js'
