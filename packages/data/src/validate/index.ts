// Checking a dataset against a data schema (kiln data validate, a pipeline's validate step).
export { dataSchemaSchema } from './data-schema.js'
export type { DataSchema } from './data-schema.js'
export { validateDataset } from './validate-dataset.js'
export type { DataCheck, DataValidationReport } from './validate-dataset.js'
