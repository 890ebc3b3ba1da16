// A trained gbdt model and its file, gbdt.json, which sits in the model directory next to
// kiln-model.json (where model.json sits for a network). The file is untrusted input when
// loaded: it is checked field by field here, and the native kernels check the trees'
// structure before every prediction.
import { type GbdtTrees, gbdtPredict, gbdtPredictAsync } from '@kiln/native'
import type { TrialReport } from '../context.js'
import { ModelFormatError } from '../errors.js'
import type { TabularObjectiveName } from '../tabular/objective.js'
import { gbdtCheckpoint } from './gbdt-checkpoint.js'
import type { ModelFiles } from '../model-files.js'

/** The model file of a gbdt model. */
export const GBDT_JSON = 'gbdt.json'
/** Its `format`; bumped when an older reader would misread a newer file. */
export const GBDT_FORMAT = 'kiln-gbdt/1'

/** A resolved tabular objective. */
export type GbdtObjectiveName = TabularObjectiveName

/** What a gbdt model needs besides its trees to turn rows into predictions. */
export interface GbdtModelInfo {
  objective: GbdtObjectiveName
  /** Shape of one input sample; rows are flattened to numFeatures values (NaN: missing). */
  sampleShape: number[]
  numFeatures: number
  /** Class names, one per class (classifiers); [] for regression. */
  classNames: string[]
  featureNames?: string[]
  /** Boosting rounds kept (the best by validation loss, when early stopping ran). */
  rounds: number
}

interface GbdtFile extends GbdtModelInfo {
  format: typeof GBDT_FORMAT
  baseScore: number[]
  roots: number[]
  nodes: {
    feature: number[]
    threshold: number[]
    left: number[]
    right: number[]
    missingLeft: number[]
    value: number[]
  }
}

/** A gbdt model: predicts class probabilities (or values) for batches of rows, natively. */
export class GbdtModel {
  /**
   * `allTrees`: every round trained (a trial's model keeps only the best ones), so that a
   * checkpoint taken from the model resumes exactly where training stopped.
   */
  constructor(
    readonly info: GbdtModelInfo,
    readonly trees: GbdtTrees,
    private readonly allTrees: GbdtTrees = trees,
  ) {}

  /** Checkpoint bytes of the training so far (a drained trial hands these back). */
  async checkpoint(epochs: number, reports: readonly TrialReport[]): Promise<Uint8Array> {
    return gbdtCheckpoint(this.allTrees, epochs, reports)
  }

  /** Output columns of predict(): classes (2 for binary), or 1 for regression. */
  get outputs(): number {
    return this.info.objective === 'regression' ? 1 : this.info.classNames.length
  }

  /** Probabilities (rows x classes) or values (rows x 1) for row-major features. */
  predict(x: Float32Array): Float32Array {
    return this.finish(gbdtPredict(this.trees, x, this.info.numFeatures))
  }

  /** predict() off the event loop (the gateway's path). */
  async predictAsync(x: Float32Array): Promise<Float32Array> {
    return this.finish(await gbdtPredictAsync(this.trees, x, this.info.numFeatures))
  }

  // Raw scores to probabilities: sigmoid for binary (two columns), softmax for multiclass.
  private finish(raw: Float32Array): Float32Array {
    if (this.info.objective === 'regression') return raw
    if (this.info.objective === 'binary') {
      const out = new Float32Array(raw.length * 2)
      for (let r = 0; r < raw.length; r++) {
        const p = 1 / (1 + Math.exp(-raw[r]!))
        out[2 * r] = 1 - p
        out[2 * r + 1] = p
      }
      return out
    }
    const k = this.outputs
    for (let r = 0; r < raw.length; r += k) {
      let max = Number.NEGATIVE_INFINITY
      for (let c = 0; c < k; c++) max = Math.max(max, raw[r + c]!)
      let sum = 0
      for (let c = 0; c < k; c++) sum += Math.exp(raw[r + c]! - max)
      for (let c = 0; c < k; c++) raw[r + c] = Math.exp(raw[r + c]! - max) / sum
    }
    return raw
  }

  /** gbdt.json as the file map saveModel writes. */
  files(): ModelFiles {
    const t = this.trees
    const file: GbdtFile = {
      format: GBDT_FORMAT,
      ...this.info,
      baseScore: Array.from(t.baseScore),
      roots: Array.from(t.roots),
      nodes: {
        feature: Array.from(t.feature),
        threshold: Array.from(t.threshold),
        left: Array.from(t.left),
        right: Array.from(t.right),
        missingLeft: Array.from(t.missingLeft),
        value: Array.from(t.value),
      },
    }
    return new Map([[GBDT_JSON, new TextEncoder().encode(`${JSON.stringify(file)}\n`)]])
  }

  /** Nothing to free (the trees are plain arrays); here so callers treat every model alike. */
  dispose(): void {}
}

/** Parses gbdt.json bytes (`where` names the file in errors) into a model, checking every field and tree. */
export function parseGbdtModel(bytes: Uint8Array, where: string): GbdtModel {
  const bad = (problem: string): never => {
    throw new ModelFormatError(where, problem)
  }
  let v: Partial<GbdtFile>
  try {
    v = JSON.parse(new TextDecoder().decode(bytes)) as Partial<GbdtFile>
  } catch (err) {
    throw new ModelFormatError(where, `not valid JSON: ${(err as Error).message}`, { cause: err })
  }
  if (v === null || typeof v !== 'object') return bad('expected a JSON object')
  if (v.format !== GBDT_FORMAT) bad(`format: expected "${GBDT_FORMAT}", got ${JSON.stringify(v.format)}`)
  if (v.objective !== 'binary' && v.objective !== 'multiclass' && v.objective !== 'regression')
    bad(`objective: expected binary, multiclass or regression, got ${JSON.stringify(v.objective)}`)
  const ints = (x: unknown, field: string) =>
    Array.isArray(x) && x.every((n) => Number.isInteger(n))
      ? (x as number[])
      : bad(`${field}: expected a list of integers`)
  const nums = (x: unknown, field: string) =>
    Array.isArray(x) && x.every((n) => typeof n === 'number' || n === null)
      ? (x as number[]).map((n) => (n === null ? Number.POSITIVE_INFINITY : n))
      : bad(`${field}: expected a list of numbers`)
  const sampleShape = ints(v.sampleShape, 'sampleShape')
  const numFeatures = sampleShape.reduce((a, b) => a * b, 1)
  if (v.numFeatures !== numFeatures || numFeatures < 1)
    bad(`numFeatures: expected ${numFeatures} (the product of sampleShape), got ${JSON.stringify(v.numFeatures)}`)
  const classNames =
    Array.isArray(v.classNames) && v.classNames.every((c) => typeof c === 'string')
      ? v.classNames
      : bad('classNames: expected a list of strings')
  const outputs = v.objective === 'regression' ? 1 : v.objective === 'binary' ? 1 : classNames.length
  if (v.objective === 'binary' && classNames.length !== 2) bad('classNames: expected 2 names for a binary model')
  if (v.objective === 'multiclass' && classNames.length < 3)
    bad('classNames: expected 3 or more names for a multiclass model')
  const baseScore = nums(v.baseScore, 'baseScore')
  if (baseScore.length !== outputs) bad(`baseScore: expected ${outputs} values`)
  const n = v.nodes ?? bad('nodes: expected an object of node arrays')
  const trees: GbdtTrees = {
    feature: Int32Array.from(ints(n.feature, 'nodes.feature')),
    threshold: Float32Array.from(nums(n.threshold, 'nodes.threshold')),
    left: Int32Array.from(ints(n.left, 'nodes.left')),
    right: Int32Array.from(ints(n.right, 'nodes.right')),
    missingLeft: Uint8Array.from(ints(n.missingLeft, 'nodes.missingLeft')),
    value: Float32Array.from(nums(n.value, 'nodes.value')),
    roots: Int32Array.from(ints(v.roots, 'roots')),
    baseScore: Float32Array.from(baseScore),
  }
  if (trees.roots.length % outputs !== 0) bad(`roots: expected whole rounds of ${outputs} trees`)
  const info: GbdtModelInfo = {
    objective: v.objective!,
    sampleShape,
    numFeatures,
    classNames,
    ...(Array.isArray(v.featureNames) ? { featureNames: v.featureNames.map(String) } : {}),
    rounds: trees.roots.length / outputs,
  }
  try {
    // Zero rows: only the native structure check runs (node indices, children, features).
    gbdtPredict(trees, new Float32Array(0), numFeatures)
  } catch (err) {
    throw new ModelFormatError(where, `trees: ${(err as Error).message}`, { cause: err })
  }
  return new GbdtModel(info, trees)
}
