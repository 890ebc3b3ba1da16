// Data preparation: the preprocessing section, fitting it to a training split, applying the
// fitted form anywhere (trainer, gateway, kiln data transform), and training-time augmentation.
export { preprocessingSchema, ImputeStrategy, ScaleMethod } from './preprocessing-spec.js'
export type { PreprocessingSpec, ColumnRef } from './preprocessing-spec.js'
export { PREPROCESSING_FORMAT } from './fitted.js'
export type { FittedPreprocessing, FittedCategory } from './fitted.js'
export { fitPreprocessing } from './fit-preprocessing.js'
export { applyPreprocessing, preprocessDataset } from './apply-preprocessing.js'
export { augmentImages, imageGeometry } from './augment.js'
export type { AugmentSpec } from './augment.js'
export { featureNamesOf, resolveColumns } from './resolve-columns.js'
