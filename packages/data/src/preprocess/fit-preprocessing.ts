// Fits a preprocessing section to a training split: which features stay, the fill value of
// each (mean, median, most frequent or a constant), the clip bounds, the categories to
// one-hot encode and the scaling of every numeric output. Errors name the step's field.
import { ValidationError } from '@kiln/protocol'
import { sampleSize, type Dataset } from '../dataset.js'
import { featureMoments } from '../feature-moments.js'
import { applyPreprocessing } from './apply-preprocessing.js'
import { PREPROCESSING_FORMAT, type FittedCategory, type FittedPreprocessing } from './fitted.js'
import type { ImputeStrategy, PreprocessingSpec } from './preprocessing-spec.js'
import { featureNamesOf, resolveColumns } from './resolve-columns.js'

/** The fitted form of `spec` on `train`; `field` prefixes error fields (`preprocessing`). */
export function fitPreprocessing(
  train: Dataset,
  spec: PreprocessingSpec,
  field = 'preprocessing',
): FittedPreprocessing {
  const width = sampleSize(train)
  const names = featureNamesOf(width, train.featureNames)
  const categories = new Map((train.categories ?? []).map((c) => [c.feature, [...c.values]]))
  const dropped = new Set(spec.drop ? resolveColumns(spec.drop, names, `${field}.drop`) : [])
  const keep = Array.from({ length: width }, (_, i) => i).filter((i) => !dropped.has(i))
  if (keep.length === 0) throw new ValidationError(`${field}.drop`, 'at least one feature left', { got: 'every one' })
  const kept = new Set(keep)
  const keptList = (refs: readonly (string | number)[] | undefined, at: string, all: number[]) =>
    refs ? resolveColumns(refs, names, at).filter((i) => kept.has(i)) : all

  const oneHot = fitOneHot(spec, names, categories, kept, keep, field)
  const hot = new Set(oneHot.map((h) => h.feature))
  const impute = spec.impute
    ? keptList(spec.impute.columns, `${field}.impute.columns`, keep).map((feature) => ({
        feature,
        value: imputeValue(train, feature, spec.impute!.strategy, spec.impute!.value, categories.has(feature)),
      }))
    : []
  const clip = spec.clip
    ? keptList(
        spec.clip.columns,
        `${field}.clip.columns`,
        keep.filter((i) => !categories.has(i)),
      ).map((feature) => ({ feature, min: spec.clip!.min ?? null, max: spec.clip!.max ?? null }))
    : []

  const outNames: string[] = []
  const outOf = new Map<number, number>()
  for (const i of keep) {
    outOf.set(i, outNames.length)
    if (hot.has(i)) for (const v of categories.get(i)!) outNames.push(`${names[i]}=${v}`)
    else outNames.push(names[i]!)
  }
  const reshaped = keep.length !== width || oneHot.length > 0
  const fitted: FittedPreprocessing = {
    format: PREPROCESSING_FORMAT,
    input: {
      width,
      sampleShape: [...train.sampleShape],
      names,
      categories: [...categories].map(([feature, values]) => ({ feature, values })),
    },
    keep,
    impute,
    clip,
    oneHot,
    scale: [],
    output: {
      width: outNames.length,
      sampleShape: reshaped ? [outNames.length] : [...train.sampleShape],
      names: outNames,
    },
    steps: JSON.parse(JSON.stringify(spec)) as Record<string, unknown>,
  }
  if (spec.scale) {
    const targets = spec.scale.columns
      ? resolveColumns(spec.scale.columns, names, `${field}.scale.columns`).map((i, k) => {
          if (hot.has(i))
            throw new ValidationError(`${field}.scale.columns[${k}]`, 'a numeric feature (not a one-hot encoded one)', {
              got: JSON.stringify(names[i]),
            })
          return i
        })
      : keep.filter((i) => !hot.has(i))
    fitted.scale = fitScale(
      fitted,
      train,
      targets.filter((i) => kept.has(i)).map((i) => outOf.get(i)!),
      spec.scale.method,
    )
  }
  return fitted
}

function fitOneHot(
  spec: PreprocessingSpec,
  names: string[],
  categories: Map<number, string[]>,
  kept: Set<number>,
  keep: number[],
  field: string,
): FittedCategory[] {
  const wanted =
    spec.oneHot === undefined
      ? []
      : spec.oneHot === 'all'
        ? keep.filter((i) => categories.has(i))
        : resolveColumns(spec.oneHot, names, `${field}.oneHot`).map((i, k) => {
            if (!categories.has(i))
              throw new ValidationError(`${field}.oneHot[${k}]`, 'a categorical feature (a CSV column of text)', {
                got: `${JSON.stringify(names[i])}, which holds numbers`,
              })
            return i
          })
  const chosen = new Set(wanted.filter((i) => kept.has(i)))
  const left = keep.filter((i) => categories.has(i) && !chosen.has(i))
  if (left.length > 0)
    throw new ValidationError(
      `${field}.oneHot`,
      `every categorical feature one-hot encoded or dropped (category indices are not numbers a model should compare)`,
      {
        got: `${left.map((i) => JSON.stringify(names[i])).join(', ')} left as ${left.length === 1 ? 'it is' : 'they are'}`,
      },
    )
  return keep.filter((i) => chosen.has(i)).map((feature) => ({ feature, values: categories.get(feature)! }))
}

// The fill value of one feature from its non-missing training values. Categories are filled
// with the most frequent one unless a constant is asked for: a mean of indices is no category.
function imputeValue(
  train: Dataset,
  feature: number,
  strategy: ImputeStrategy,
  constant: number | undefined,
  categorical: boolean,
): number {
  if (strategy === 'constant') return constant!
  const width = sampleSize(train)
  const values: number[] = []
  for (let r = 0; r < train.count; r++) {
    const v = train.x[r * width + feature]!
    if (v === v) values.push(v)
  }
  if (values.length === 0) return 0
  const how = categorical ? 'mostFrequent' : strategy
  if (how === 'mean') return values.reduce((a, b) => a + b, 0) / values.length
  values.sort((a, b) => a - b)
  if (how === 'median') {
    const mid = values.length >> 1
    return values.length % 2 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2
  }
  // The most frequent value; ties go to the smallest, so the answer does not depend on row order.
  let best = values[0]!
  let bestRun = 0
  for (let i = 0; i < values.length; ) {
    let j = i
    while (j < values.length && values[j] === values[i]) j++
    if (j - i > bestRun) [best, bestRun] = [values[i]!, j - i]
    i = j
  }
  return best
}

// Offsets and scales of the chosen output columns, measured after every earlier step.
function fitScale(
  fitted: FittedPreprocessing,
  train: Dataset,
  outputs: number[],
  method: 'standard' | 'minmax',
): FittedPreprocessing['scale'] {
  // A copy: the fitted object's own plan is cached on first use, and its scale is not known yet.
  const x = applyPreprocessing({ ...fitted, scale: [] }, train.x, train.count)
  const mo = featureMoments(x, train.count, fitted.output.width, Int32Array.from(outputs))
  return outputs.map((feature, k) => {
    const spread = method === 'standard' ? mo.std[k]! : mo.max[k]! - mo.min[k]!
    const offset = method === 'standard' ? mo.mean[k]! : mo.min[k]!
    // A constant (or empty) feature becomes 0 rather than NaN.
    return {
      feature,
      offset: Number.isFinite(offset) ? offset : 0,
      scale: spread > 0 && Number.isFinite(spread) ? spread : 1,
    }
  })
}
