// Checks a dataset against a data schema and reports every check, passed or not: a person
// reads the failures, a pipeline's validate step stops on them.
import { sampleSize, type Dataset } from '../dataset.js'
import { featureNamesOf } from '../preprocess/resolve-columns.js'
import type { DataSchema } from './data-schema.js'

/** One check of the report. */
export interface DataCheck {
  /** The schema field it comes from: `features.age.max`, `label.minShare`, `rows.min`. */
  field: string
  ok: boolean
  /** What was found, in words. */
  message: string
}

/** The result of validating a dataset. */
export interface DataValidationReport {
  dataset: string
  rows: number
  ok: boolean
  checks: DataCheck[]
  /** The failed checks' messages, `field: message`. */
  failures: string[]
}

// float32 values printed as people wrote them: 0.26, not 0.25999999046325684.
const short = (v: number) => String(Number(v.toPrecision(6)))
const pct = (x: number) => `${(100 * x).toFixed(x < 0.01 && x > 0 ? 2 : 1)}%`

/** Runs every check the schema asks for on `ds`. */
export function validateDataset(ds: Dataset, schema: DataSchema): DataValidationReport {
  const checks: DataCheck[] = []
  const add = (field: string, ok: boolean, message: string) => checks.push({ field, ok, message })
  if (schema.rows?.min !== undefined)
    add('rows.min', ds.count >= schema.rows.min, `${ds.count} rows (at least ${schema.rows.min} expected)`)
  if (schema.rows?.max !== undefined)
    add('rows.max', ds.count <= schema.rows.max, `${ds.count} rows (at most ${schema.rows.max} expected)`)
  const width = sampleSize(ds)
  const names = featureNamesOf(width, ds.featureNames)
  const cats = new Map((ds.categories ?? []).map((c) => [c.feature, c.values]))
  const wanted = schema.features ?? {}
  // Missing values of every feature in one pass over the rows (images have hundreds of features).
  const missing = new Float64Array(width)
  for (let i = 0, f = 0; i < ds.count * width; i++, f = f + 1 === width ? 0 : f + 1)
    if (ds.x[i] !== ds.x[i]) missing[f]!++
  for (const name of Object.keys(wanted)) {
    if (!names.includes(name)) add(`features.${name}`, false, 'no such feature in the dataset')
  }
  if (schema.allowOtherFeatures === false) {
    const others = names.filter((n) => !(n in wanted))
    add(
      'allowOtherFeatures',
      others.length === 0,
      others.length ? `features not in the schema: ${others.slice(0, 8).join(', ')}` : 'every feature is in the schema',
    )
  }
  for (let f = 0; f < width; f++) {
    const name = names[f]!
    const rule = wanted[name]
    const maxMissing = rule?.maxMissing ?? schema.maxMissing
    if (!rule && maxMissing === undefined) continue
    const at = `features.${name}`
    if (maxMissing !== undefined) {
      const share = missing[f]! / Math.max(1, ds.count)
      add(
        `${at}.maxMissing`,
        share <= maxMissing,
        `${pct(share)} missing (${missing[f]} of ${ds.count}; at most ${pct(maxMissing)} allowed)`,
      )
    }
    if (!rule) continue
    const col = column(ds, f, width, rule.min, rule.max)
    const values = cats.get(f)
    if (rule.type === 'categorical' || rule.type === 'number' || rule.type === 'integer') {
      const kind = values ? 'categorical' : 'number'
      const fits =
        rule.type === 'categorical'
          ? kind === 'categorical'
          : kind === 'number' && (rule.type !== 'integer' || col.fractional === 0)
      const found = values
        ? 'text categories'
        : rule.type === 'integer' && col.fractional > 0
          ? `${col.fractional} values with a fraction`
          : 'numbers'
      add(`${at}.type`, fits, `${found} (${rule.type} expected)`)
    }
    if (rule.min !== undefined && !values)
      add(`${at}.min`, col.below === 0, `${col.below} values below ${rule.min} (lowest ${short(col.min)})`)
    if (rule.max !== undefined && !values)
      add(`${at}.max`, col.above === 0, `${col.above} values above ${rule.max} (highest ${short(col.max)})`)
    if (rule.values !== undefined) {
      const unknown = (values ?? []).filter((v) => !rule.values!.includes(v))
      add(
        `${at}.values`,
        values !== undefined && unknown.length === 0,
        values === undefined
          ? 'numbers, not categories'
          : unknown.length
            ? `categories not allowed: ${unknown
                .slice(0, 8)
                .map((v) => JSON.stringify(v))
                .join(', ')}`
            : `${values.length} categories, all allowed`,
      )
    }
  }
  if (schema.label) labelChecks(ds, schema.label, add)
  const failures = checks.filter((c) => !c.ok).map((c) => `${c.field}: ${c.message}`)
  return { dataset: ds.name, rows: ds.count, ok: failures.length === 0, checks, failures }
}

// One feature's values: whole or not, lowest and highest, and how many fall outside [lo, hi].
function column(ds: Dataset, f: number, width: number, lo?: number, hi?: number) {
  let fractional = 0
  let min = Number.POSITIVE_INFINITY
  let max = Number.NEGATIVE_INFINITY
  let below = 0
  let above = 0
  for (let r = 0; r < ds.count; r++) {
    const v = ds.x[r * width + f]!
    if (v !== v) continue
    if (!Number.isInteger(v)) fractional++
    if (v < min) min = v
    if (v > max) max = v
    if (lo !== undefined && v < lo) below++
    if (hi !== undefined && v > hi) above++
  }
  return { fractional, min, max, below, above }
}

function labelChecks(
  ds: Dataset,
  rule: NonNullable<DataSchema['label']>,
  add: (f: string, ok: boolean, m: string) => void,
) {
  const counts = new Array<number>(ds.numClasses).fill(0)
  for (let i = 0; i < ds.count; i++) counts[ds.labels[i]!]!++
  const nameOf = (k: number) => ds.classNames?.[k] ?? String(k)
  const present = counts.map((n, k) => [k, n] as const).filter(([, n]) => n > 0)
  if (rule.classes) {
    const allowed = rule.classes.map(String)
    const extra = present.filter(([k]) => !allowed.includes(nameOf(k))).map(([k]) => JSON.stringify(nameOf(k)))
    add(
      'label.classes',
      extra.length === 0,
      extra.length ? `classes not allowed: ${extra.join(', ')}` : `${present.length} classes, all allowed`,
    )
  }
  const shares = present.map(([k, n]) => [k, n / Math.max(1, ds.count)] as const)
  if (rule.minShare !== undefined) {
    const low = shares.filter(([, s]) => s < rule.minShare!)
    add(
      'label.minShare',
      low.length === 0,
      low.length
        ? `classes under ${pct(rule.minShare)}: ${low.map(([k, s]) => `${JSON.stringify(nameOf(k))} ${pct(s)}`).join(', ')}`
        : `every class at least ${pct(rule.minShare)}`,
    )
  }
  if (rule.maxRatio !== undefined && present.length > 0) {
    const ns = present.map(([, n]) => n)
    const ratio = Math.max(...ns) / Math.min(...ns)
    add(
      'label.maxRatio',
      ratio <= rule.maxRatio,
      `largest to smallest class ${ratio.toFixed(2)}x (at most ${rule.maxRatio}x allowed)`,
    )
  }
}
