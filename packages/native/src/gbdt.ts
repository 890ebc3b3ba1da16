// Gradient-boosted trees on the native kernels (native/include/kiln/gbdt.h): a booster
// trains on binned data in rounds, so a caller can report, checkpoint and stop between
// them; gbdtPredict walks the exported trees over a batch of rows.
import { addon } from './addon.js'

/** The objectives, as the addon numbers them. */
export const GbdtObjective = { regression: 0, binary: 1, multiclass: 2 } as const
export type GbdtObjective = keyof typeof GbdtObjective

export interface GbdtParams {
  objective: GbdtObjective
  /** Classes for multiclass (>= 3); 1 otherwise. */
  numClasses: number
  learningRate: number
  maxLeaves: number
  /** 0: unlimited. */
  maxDepth: number
  minSamplesLeaf: number
  l2: number
  maxBins: number
  rowSubsample: number
  colSubsample: number
  /** Rounds without validation improvement before stopping; 0: never. */
  earlyStoppingRounds: number
  tolerance: number
  seed: number
}

/** Trees as flat node arrays: node i is a leaf when feature[i] < 0; tree t starts at roots[t]. */
export interface GbdtTrees {
  feature: Int32Array
  threshold: Float32Array
  left: Int32Array
  right: Int32Array
  /** 1 where rows with a missing (NaN) value go left. */
  missingLeft: Uint8Array
  value: Float32Array
  roots: Int32Array
  /** Per output column, the score before any tree. */
  baseScore: Float32Array
}

/** Progress of a booster. */
export interface GbdtState {
  rounds: number
  /** Rounds up to the best validation loss (all rounds without validation data). */
  bestRounds: number
  /** Early stopping ended the training. */
  stopped: boolean
  trainLoss: number
  /** NaN without validation data. */
  validLoss: number
  /** Fraction of rows classified right (NaN for regression, or without such rows). */
  trainAccuracy: number
  validAccuracy: number
}

/** An opaque training run (its data binned natively). */
export interface GbdtBooster {
  readonly __kilnGbdtBooster: true
}

/** Rows of features (row-major, NaN = missing) and their labels (class index or target). */
export interface GbdtData {
  x: Float32Array
  y: Float32Array
  rows: number
}

const PARAM_ORDER: readonly (keyof GbdtParams)[] = [
  'objective',
  'numClasses',
  'learningRate',
  'maxLeaves',
  'maxDepth',
  'minSamplesLeaf',
  'l2',
  'maxBins',
  'rowSubsample',
  'colSubsample',
  'earlyStoppingRounds',
  'tolerance',
  'seed',
]

type Raw = (...args: unknown[]) => unknown
const call = (name: string, ...args: unknown[]) => (addon[name] as Raw)(...args)

/** Bins the training (and validation) data; RangeError for inconsistent sizes, labels or params. */
export function gbdtCreate(train: GbdtData, cols: number, params: GbdtParams, valid?: GbdtData): GbdtBooster {
  const p = Float64Array.from(PARAM_ORDER, (k) => (k === 'objective' ? GbdtObjective[params.objective] : params[k]))
  return call(
    'gbdtCreate',
    train.x,
    train.rows,
    cols,
    train.y,
    valid?.x ?? null,
    valid?.rows ?? 0,
    valid?.y ?? null,
    p,
  ) as GbdtBooster
}

/** Runs up to `rounds` more boosting rounds off the event loop; resolves with how many ran. */
export function gbdtBoost(booster: GbdtBooster, rounds: number): Promise<number> {
  return call('gbdtBoostAsync', booster, rounds) as Promise<number>
}

/** Rounds so far, the best round and the losses. */
export function gbdtState(booster: GbdtBooster): GbdtState {
  return call('gbdtState', booster) as GbdtState
}

/** A copy of the first `rounds` rounds' trees (all by default). */
export function gbdtTrees(booster: GbdtBooster, rounds = -1): GbdtTrees {
  return call('gbdtModel', booster, rounds) as GbdtTrees
}

/** Replays trees trained earlier (a checkpoint of the same data and params) before boosting on. */
export function gbdtLoad(booster: GbdtBooster, trees: GbdtTrees): void {
  call(
    'gbdtLoad',
    booster,
    trees.feature,
    trees.threshold,
    trees.left,
    trees.right,
    trees.missingLeft,
    trees.value,
    trees.roots,
    trees.baseScore,
  )
}

function predictArgs(trees: GbdtTrees, x: Float32Array, cols: number) {
  const outputs = trees.baseScore.length
  if (cols < 1 || x.length % cols !== 0) throw new RangeError(`gbdtPredict: x must hold whole rows of ${cols} values`)
  const rows = x.length / cols
  const out = new Float32Array(rows * outputs)
  for (let r = 0; r < rows; r++) out.set(trees.baseScore, r * outputs)
  const t = trees
  return [
    [t.feature, t.threshold, t.left, t.right, t.missingLeft, t.value, t.roots, outputs, x, cols, out],
    out,
  ] as const
}

/**
 * Raw scores (rows x outputs: log-odds, per-class logits or the regression value) of a
 * batch of rows; the trees are checked first (a model file is untrusted).
 */
export function gbdtPredict(trees: GbdtTrees, x: Float32Array, cols: number): Float32Array {
  const [args, out] = predictArgs(trees, x, cols)
  call('gbdtPredict', ...args)
  return out
}

/** gbdtPredict off the event loop. */
export async function gbdtPredictAsync(trees: GbdtTrees, x: Float32Array, cols: number): Promise<Float32Array> {
  const [args, out] = predictArgs(trees, x, cols)
  await call('gbdtPredictAsync', ...args)
  return out
}
