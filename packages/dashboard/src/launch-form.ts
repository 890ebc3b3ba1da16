// The Launch view's form: a few values of a spec worth changing before a run (its name,
// the sweep's budget, the learning-rate range, epochs), read from the spec file and turned
// back into `--set` overrides. Pure: the view keeps the text the user typed.
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'

/** A spec file offered in the list. */
export interface SpecChoice {
  path: string
  /** The file name. */
  label: string
  /** Its `name:`, and whether it has a `search:` section. */
  name?: string
  sweep: boolean
}

export const FieldKind = { text: 'text', int: 'int', positive: 'positive' } as const
export type FieldKind = (typeof FieldKind)[keyof typeof FieldKind]

/** One editable value. */
export interface FormField {
  id: string
  label: string
  kind: FieldKind
  /** The value in the file, as text. */
  initial: string
}

type Doc = Record<string, unknown>

const isRecord = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Reads a YAML or JSON spec into a plain object (throws with the parser's message). */
export function readSpecDoc(path: string): Doc {
  const doc: unknown = parse(readFileSync(path, 'utf8'))
  if (!isRecord(doc))
    throw new Error(`${path}: expected a mapping (a job spec), got ${Array.isArray(doc) ? 'a list' : typeof doc}`)
  return doc
}

/** The spec files of a folder (*.yaml, *.yml, *.json), sweeps first, then by file name. */
export function listSpecs(dir: string): SpecChoice[] {
  let names: string[]
  try {
    names = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f))
  } catch {
    return []
  }
  const out = names.map((label): SpecChoice => {
    const path = join(dir, label)
    try {
      const doc = readSpecDoc(path)
      return { path, label, sweep: isRecord(doc.search), ...(typeof doc.name === 'string' ? { name: doc.name } : {}) }
    } catch {
      return { path, label, sweep: false }
    }
  })
  return out.sort((a, b) => Number(b.sweep) - Number(a.sweep) || a.label.localeCompare(b.label))
}

const LR = 'optimizer.learningRate'

function lrDomain(doc: Doc): { dist: string; bounds: [number, number] } | undefined {
  const space = isRecord(doc.search) && isRecord(doc.search.space) ? doc.search.space : undefined
  const dim = space?.[LR]
  if (!isRecord(dim)) return undefined
  for (const dist of ['loguniform', 'uniform']) {
    const b = dim[dist]
    if (Array.isArray(b) && b.length === 2 && typeof b[0] === 'number' && typeof b[1] === 'number')
      return { dist, bounds: [b[0], b[1]] }
  }
  return undefined
}

const get = (doc: Doc, path: string): unknown =>
  path.split('.').reduce<unknown>((n, k) => (isRecord(n) ? n[k] : undefined), doc)

/** The fields a spec offers: always name and epochs; the sweep's budget and lr range when it has them. */
export function formFields(doc: Doc): FormField[] {
  const text = (v: unknown) => (v === undefined ? '' : String(v))
  const fields: FormField[] = [{ id: 'name', label: 'name', kind: FieldKind.text, initial: text(doc.name) }]
  if (isRecord(doc.search)) {
    fields.push({
      id: 'search.maxTrials',
      label: 'max trials',
      kind: FieldKind.int,
      initial: text(doc.search.maxTrials),
    })
    fields.push({
      id: 'search.maxConcurrent',
      label: 'max concurrent',
      kind: FieldKind.int,
      initial: text(doc.search.maxConcurrent ?? 1),
    })
    const lr = lrDomain(doc)
    if (lr) {
      fields.push({
        id: 'lr.low',
        label: `lr low (${lr.dist})`,
        kind: FieldKind.positive,
        initial: String(lr.bounds[0]),
      })
      fields.push({
        id: 'lr.high',
        label: `lr high (${lr.dist})`,
        kind: FieldKind.positive,
        initial: String(lr.bounds[1]),
      })
    }
  } else {
    fields.push({ id: LR, label: 'learning rate', kind: FieldKind.positive, initial: text(get(doc, LR)) })
  }
  fields.push({
    id: 'training.epochs',
    label: 'epochs',
    kind: FieldKind.int,
    initial: text(get(doc, 'training.epochs')),
  })
  return fields
}

/** Why a value cannot be used, or undefined when it can. */
export function fieldProblem(f: FormField, value: string): string | undefined {
  const v = value.trim()
  if (f.kind === FieldKind.text)
    return /^[a-z0-9][a-z0-9-]{0,62}$/.test(v)
      ? undefined
      : 'expected 1-63 of a-z 0-9 - (starting with a letter or digit)'
  if (v === '' && f.initial === '') return undefined
  const n = Number(v)
  if (f.kind === FieldKind.int) return Number.isInteger(n) && n > 0 ? undefined : 'expected a positive integer'
  return Number.isFinite(n) && n > 0 ? undefined : 'expected a positive number'
}

/**
 * The `--set` overrides for the values that differ from the file. The lr range lives under
 * a dotted key of search.space, which a dotted override path cannot name, so a changed
 * range replaces the whole space mapping (as JSON, which YAML reads).
 */
export function overrides(doc: Doc, fields: readonly FormField[], values: Readonly<Record<string, string>>): string[] {
  const sets: string[] = []
  const changed = (f: FormField) => values[f.id] !== undefined && values[f.id]!.trim() !== f.initial
  for (const f of fields) {
    if (!changed(f) || f.id.startsWith('lr.')) continue
    sets.push(`${f.id}=${f.kind === FieldKind.text ? JSON.stringify(values[f.id]!.trim()) : values[f.id]!.trim()}`)
  }
  const lr = lrDomain(doc)
  const low = fields.find((f) => f.id === 'lr.low')
  const high = fields.find((f) => f.id === 'lr.high')
  if (lr && low && high && (changed(low) || changed(high))) {
    const space = structuredClone((doc.search as Doc).space as Doc)
    space[LR] = { [lr.dist]: [Number(values['lr.low'] ?? low.initial), Number(values['lr.high'] ?? high.initial)] }
    sets.push(`search.space=${JSON.stringify(space)}`)
  }
  return sets
}

/** A problem across fields (the lr range upside down), or undefined. */
export function formProblem(
  fields: readonly FormField[],
  values: Readonly<Record<string, string>>,
): string | undefined {
  for (const f of fields) {
    const p = fieldProblem(f, values[f.id] ?? f.initial)
    if (p) return `${f.label}: ${p}`
  }
  const low = fields.find((f) => f.id === 'lr.low')
  const high = fields.find((f) => f.id === 'lr.high')
  if (low && high && !(Number(values[low.id] ?? low.initial) < Number(values[high.id] ?? high.initial)))
    return 'lr low: expected less than lr high'
  return undefined
}
