// The types of step outputs, which a reference carries to the field it is used in: a field
// that takes a model refuses a reference to a dataset before the pipeline runs.

/** What a step output (and a reference to it) holds. */
export const ValueType = {
  /** A stored dataset's id (kiln_datasets). */
  dataset: 'dataset',
  /** A registered model version, { name, version }. */
  model: 'model',
  /** Flat numeric metrics (test_accuracy, val_loss, ...). */
  metrics: 'metrics',
  string: 'string',
  number: 'number',
  boolean: 'boolean',
  /** A list of strings (a validation's failures). */
  list: 'list',
} as const
export type ValueType = (typeof ValueType)[keyof typeof ValueType]

/** "a dataset", "a model version", ... for problem lines. */
export function describeType(t: ValueType): string {
  switch (t) {
    case 'dataset':
      return 'a dataset'
    case 'model':
      return 'a model version'
    case 'metrics':
      return 'metrics'
    case 'list':
      return 'a list'
    default:
      return `a ${t}`
  }
}

/** The type of a parameter's value. */
export function typeOfValue(v: unknown): ValueType {
  return typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'string'
}

/** A value that fits `types` once resolved (used to check references a step gets at run time). */
export const SCALARS: readonly ValueType[] = ['string', 'number', 'boolean']
