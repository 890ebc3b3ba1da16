// An ensemble as one model: ensemble.json (format kiln-ensemble/1: the task, input shape,
// class names and each member's weight and file prefix) next to every member's own files
// under its prefix (m0.model.json, m0.group1-shard1of1.bin, m1.gbdt.json, ...), so the
// registry stores, and the gateway serves, the whole ensemble as one version. Its output is
// the weighted average of its members' class probabilities (or values).
import type { HeldOutCheck } from './selection.js'
import { ModelFormatError } from '../errors.js'
import type { ModelFiles } from '../model-files.js'
import { filesUnder, loadPredictor, type Predictor, type PredictorKind } from './predictor.js'

/** The ensemble's description file. */
export const ENSEMBLE_JSON = 'ensemble.json'
/** Its `format`; bumped when an older reader would misread a newer file. */
export const ENSEMBLE_FORMAT = 'kiln-ensemble/1'

/** One member as ensemble.json lists it. */
export interface EnsembleMember {
  /** Its files' name prefix, like "m0.". */
  prefix: string
  weight: number
  /** Where it came from, for people (a sweep trial, say). */
  label: string
  /** The model family (gbdt, linear, mlp, ...), when known. */
  family?: string
}

/** What ensemble.json says besides the members' own files. */
export interface EnsembleInfo {
  task: 'classification' | 'regression'
  sampleShape: number[]
  /** Classes (probability columns), or 1 for regression. */
  outputs: number
  /** One per class; [] for regression. */
  classNames: string[]
  featureNames?: string[]
  members: EnsembleMember[]
  /** How selection went on the validation split (losses: lower is better). */
  selection?: {
    metric: string
    loss: number
    bestSingleLoss: number
    candidates: number
    /** The ensemble against the best single candidate on rows neither was selected on. */
    heldOut?: HeldOutCheck
  }
  /**
   * Set when members were trained again on training + validation rows after selection
   * (weights, figures and importance are the selected models'): rows, and each refit one's length.
   */
  refit?: {
    rows: number
    members: { label: string; epochs: number; rounds?: number }[]
    /** Members left as selected because their refit would not fit in model.refitBudget, and why. */
    kept?: { label: string; reason: string }[]
  }
  /** Permutation importance of each feature on the validation split, most important first. */
  explanation?: { metric: string; importance: { feature: string; importance: number; std: number }[] }
}

/** A loaded ensemble: predicts like any model, and writes itself back as files. */
export class EnsembleModel implements Predictor {
  constructor(
    readonly info: EnsembleInfo,
    private readonly members: readonly { predictor: Predictor; files: ModelFiles }[],
  ) {}

  get sampleShape(): readonly number[] {
    return this.info.sampleShape
  }

  get outputs(): number {
    return this.info.outputs
  }

  /** The weighted average of the members' predictions. */
  async predict(x: Float32Array, rows: number): Promise<Float32Array> {
    const out = new Float32Array(rows * this.outputs)
    for (const [i, m] of this.members.entries()) {
      const part = await m.predictor.predict(x, rows)
      const w = this.info.members[i]!.weight
      for (let k = 0; k < out.length; k++) out[k]! += w * part[k]!
    }
    return out
  }

  /** ensemble.json and every member's files under its prefix. */
  files(): ModelFiles {
    const files: ModelFiles = new Map([
      [
        ENSEMBLE_JSON,
        new TextEncoder().encode(`${JSON.stringify({ format: ENSEMBLE_FORMAT, ...this.info }, null, 1)}\n`),
      ],
    ])
    for (const [i, m] of this.members.entries())
      for (const [name, bytes] of m.files) files.set(`${this.info.members[i]!.prefix}${name}`, bytes)
    return files
  }

  dispose(): void {
    for (const m of this.members) m.predictor.dispose()
  }
}

/** Member prefixes: m0., m1., ... */
export function memberPrefix(index: number): string {
  return `m${index}.`
}

const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1

// ensemble.json is untrusted input (a registry file): every field is checked before use.
function checkInfo(value: unknown, bad: (problem: string) => never): EnsembleInfo {
  const v = (value ?? {}) as Partial<EnsembleInfo> & { format?: unknown }
  if (v.format !== ENSEMBLE_FORMAT) bad(`format: expected "${ENSEMBLE_FORMAT}", got ${JSON.stringify(v.format)}`)
  if (v.task !== 'classification' && v.task !== 'regression') bad('task: expected classification or regression')
  if (!Array.isArray(v.sampleShape) || v.sampleShape.length === 0 || !v.sampleShape.every(isCount))
    bad('sampleShape: expected a list of positive integers')
  if (!isCount(v.outputs)) bad('outputs: expected a positive integer')
  const names =
    Array.isArray(v.classNames) && v.classNames.every((c) => typeof c === 'string')
      ? v.classNames
      : bad('classNames: expected a list of strings')
  if (v.task === 'classification' ? names.length !== v.outputs : v.outputs !== 1 || names.length !== 0)
    bad(`classNames: expected ${v.task === 'classification' ? `${v.outputs} names` : 'none'} for outputs ${v.outputs}`)
  if (!Array.isArray(v.members) || v.members.length === 0) bad('members: expected a non-empty list')
  let total = 0
  for (const [i, m] of v.members!.entries()) {
    if (m?.prefix !== memberPrefix(i)) bad(`members[${i}].prefix: expected "${memberPrefix(i)}"`)
    if (!(typeof m.weight === 'number' && m.weight > 0 && m.weight <= 1))
      bad(`members[${i}].weight: expected a number in (0, 1]`)
    if (typeof m.label !== 'string') bad(`members[${i}].label: expected a string`)
    total += m.weight
  }
  if (Math.abs(total - 1) > 1e-6) bad(`members: expected weights summing to 1, got ${total}`)
  return value as EnsembleInfo
}

/**
 * Loads an ensemble's files (`where` names them in errors); each member is loaded with the
 * first of `memberKinds` that reads it and must take the ensemble's input and give its outputs.
 */
export async function parseEnsembleModel(
  files: ReadonlyMap<string, Uint8Array>,
  where: string,
  memberKinds: readonly PredictorKind[],
): Promise<EnsembleModel> {
  const bad = (problem: string): never => {
    throw new ModelFormatError(`${where}/${ENSEMBLE_JSON}`, problem)
  }
  let raw: unknown
  try {
    raw = JSON.parse(new TextDecoder().decode(files.get(ENSEMBLE_JSON) ?? bad('missing')))
  } catch (err) {
    if (err instanceof ModelFormatError) throw err
    throw new ModelFormatError(`${where}/${ENSEMBLE_JSON}`, `not valid JSON: ${(err as Error).message}`, { cause: err })
  }
  const { format: _, ...info } = checkInfo(raw, bad) as EnsembleInfo & { format: string }
  const members: { predictor: Predictor; files: ModelFiles }[] = []
  try {
    for (const m of info.members) {
      const own = filesUnder(files, m.prefix)
      const predictor = await loadPredictor(own, `${where}/${m.prefix}`, memberKinds)
      members.push({ predictor, files: own })
      const shape = predictor.sampleShape.reduce((a, b) => a * b, 1)
      if (shape !== info.sampleShape.reduce((a, b) => a * b, 1) || predictor.outputs !== info.outputs)
        bad(
          `member ${m.prefix} takes [${predictor.sampleShape}] and gives ${predictor.outputs} outputs, expected [${info.sampleShape}] and ${info.outputs}`,
        )
    }
  } catch (err) {
    for (const m of members) m.predictor.dispose()
    throw err
  }
  return new EnsembleModel(info, members)
}

/** The ensemble kind: files with an ensemble.json, whose members are loaded with `memberKinds`. */
export function ensembleKind(memberKinds: readonly PredictorKind[]): PredictorKind {
  return async (files, where) => (files.has(ENSEMBLE_JSON) ? parseEnsembleModel(files, where, memberKinds) : undefined)
}
