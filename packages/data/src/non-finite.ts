// NaN and ±Infinity in features (issue 13): a CSV cell like 1e999 becomes Infinity, float
// NPY/IDX files may hold NaN. Kiln reports them rather than training on them silently:
// importing a dataset records them (DatasetRecord.nonFinite) and the CLI prints a warning;
// the networks refuse such data (a NaN input makes every loss NaN), while gbdt learns NaN
// as a missing value. README "Datasets" says the same for users.
import { sampleSize, type Dataset } from './dataset.js'

/** One feature (element of a sample) holding non-finite values. */
export interface NonFiniteFeature {
  /** Position in a flattened sample. */
  feature: number
  /** Its name (CSV header), or "feature N". */
  name: string
  nan: number
  inf: number
}

/** The features of ds holding NaN or ±Infinity, in feature order; [] when every value is finite. */
export function nonFiniteFeatures(
  ds: Pick<Dataset, 'x' | 'count' | 'sampleShape' | 'featureNames'>,
): NonFiniteFeature[] {
  const width = sampleSize(ds)
  const x = ds.x
  const n = ds.count * width
  // A finite sum proves every value finite: one pass with no branch in the common case.
  let sum = 0
  for (let i = 0; i < n; i++) sum += x[i]! * 0
  if (sum === 0) return []
  const nan = new Float64Array(width)
  const inf = new Float64Array(width)
  for (let i = 0, f = 0; i < n; i++, f = f + 1 === width ? 0 : f + 1) {
    const v = x[i]!
    if (v !== v) nan[f]!++
    else if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY) inf[f]!++
  }
  const out: NonFiniteFeature[] = []
  for (let f = 0; f < width; f++) {
    if (nan[f]! + inf[f]! === 0) continue
    out.push({ feature: f, name: ds.featureNames?.[f] ?? `feature ${f}`, nan: nan[f]!, inf: inf[f]! })
  }
  return out
}

/** "3 features hold non-finite values: "age" (2 NaN), "income" (1 Inf), ..." (at most `max` named). */
export function describeNonFinite(features: readonly NonFiniteFeature[], max = 8): string {
  const parts = features.slice(0, max).map((f) => {
    const counts = [f.nan ? `${f.nan} NaN` : '', f.inf ? `${f.inf} Inf` : ''].filter(Boolean).join(', ')
    return `${JSON.stringify(f.name)} (${counts})`
  })
  const more = features.length > max ? `, and ${features.length - max} more` : ''
  const noun = features.length === 1 ? 'feature holds' : 'features hold'
  return `${features.length} ${noun} non-finite values: ${parts.join(', ')}${more}`
}
