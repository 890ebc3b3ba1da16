// The cluster's dataset store (kiln_datasets) and the content-addressed object cache it is
// built on. The object store comes in as a parameter: @kiln/data knows nothing of the
// cluster layout.
export { encodeDataset, decodeDataset, DATASET_FORMAT, DATASET_FORMAT_VERSION } from './dataset-codec.js'
export type { DecodeDatasetOptions } from './dataset-codec.js'
export { DatasetRecordSchema } from './dataset-record.js'
export type { DatasetRecord } from './dataset-record.js'
export { importDataset, listDatasets, findDataset, MIN_ID_PREFIX } from './dataset-store.js'
export type { ImportDatasetOptions } from './dataset-store.js'
export { fetchDataset, fetchDatasetFile, loadDatasetFile, datasetCachePath } from './dataset-cache.js'
export type { FetchDatasetOptions, FetchedDataset } from './dataset-cache.js'
export { sha256Hex, putContent, fetchContent } from './content-object.js'
export { IntegrityError } from './integrity-error.js'
export { importSource } from './import-source.js'
export type { ImportSource } from './import-source.js'
export { storeTransformed } from './transform-stored.js'
export type { TransformSource } from './transform-stored.js'
export {
  readTransformOutput,
  predictedDataset,
  predictedClasses,
  isClassifier,
  storePredictedDataset,
} from './transform-predictions.js'
export type { TransformOutput, TransformOrigin } from './transform-predictions.js'
