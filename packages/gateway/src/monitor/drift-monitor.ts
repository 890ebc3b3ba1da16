// Model Monitor for one model version: compares serving traffic with the training baseline
// in kiln-model.json. Inputs go into per-feature histograms on the baseline's own bin edges,
// predictions (argmax of the output) into class counts; every `window` samples the window is
// scored (PSI per feature, mean over features, PSI of the predicted classes) and reset.
import { featureStats, type FeatureStats } from '@kiln/data'
import type { KilnModelMetadata } from '@kiln/train'
import { psi } from './psi.js'

export interface DriftOptions {
  /** Samples per window (default 500). */
  window?: number
  /** Mean feature PSI, or prediction PSI, above which a window counts as drifted (default 0.2). */
  threshold?: number
}

/** The score of one full window. */
export interface DriftResult {
  /** Mean PSI over the monitored features. */
  featurePsi: number
  maxFeaturePsi: number
  /** PSI of predicted classes against the test-set predictions; undefined without a baseline. */
  predictionPsi?: number
  worst: { index: number; psi: number }[]
  window: number
  drifted: boolean
  threshold: number
}

type Baseline = Pick<KilnModelMetadata, 'inputStats' | 'predictionDistribution'>

/** Live windows for one model version. */
export class DriftMonitor {
  readonly window: number
  readonly threshold: number
  private readonly stats: FeatureStats
  private hist: Float64Array
  private classes: number[]
  private seen = 0

  constructor(private readonly baseline: Baseline, private readonly onWindow: (r: DriftResult) => void, options: DriftOptions = {}) {
    this.window = options.window ?? 500
    this.threshold = options.threshold ?? 0.2
    this.stats = baseline.inputStats
    this.hist = new Float64Array(this.stats.features.length * this.stats.bins)
    this.classes = new Array<number>(baseline.predictionDistribution?.counts.length ?? 0).fill(0)
  }

  /** Whether a model's metadata can be monitored (it has input statistics). */
  static canMonitor(metadata: KilnModelMetadata | undefined): metadata is KilnModelMetadata {
    return metadata?.inputStats !== undefined && metadata.inputStats.features.length > 0
  }

  /** Adds `rows` samples (row-major inputs of numFeatures each) and their model outputs. */
  observe(x: Float32Array, rows: number, y: Float32Array | undefined): void {
    const width = this.stats.numFeatures
    if (rows === 0 || x.length !== rows * width) return
    const live = featureStats({ x, sampleShape: [width], count: rows }, { reference: this.stats })
    const bins = this.stats.bins
    live.features.forEach((f, k) => { for (let b = 0; b < bins; b++) this.hist[k * bins + b]! += f.histogram[b]! })
    if (y && this.classes.length > 0 && y.length === rows * this.classes.length) {
      const c = this.classes.length
      for (let r = 0; r < rows; r++) {
        let best = 0
        for (let j = 1; j < c; j++) if (y[r * c + j]! > y[r * c + best]!) best = j
        this.classes[best]!++
      }
    }
    this.seen += rows
    if (this.seen >= this.window) this.flush()
  }

  private flush(): void {
    const bins = this.stats.bins
    const scores = this.stats.features.map((f, k) => ({ index: f.index, psi: psi(f.histogram, this.hist.subarray(k * bins, (k + 1) * bins)) }))
    const featurePsi = scores.reduce((n, s) => n + s.psi, 0) / Math.max(1, scores.length)
    const maxFeaturePsi = scores.reduce((m, s) => Math.max(m, s.psi), 0)
    const dist = this.baseline.predictionDistribution
    const predictionPsi = dist && this.classes.length > 0 ? psi(dist.counts, this.classes) : undefined
    const worst = scores.sort((a, b) => b.psi - a.psi).slice(0, 10)
    const drifted = featurePsi > this.threshold || (predictionPsi ?? 0) > this.threshold
    const window = this.seen
    this.hist.fill(0)
    this.classes.fill(0)
    this.seen = 0
    this.onWindow({ featurePsi, maxFeaturePsi, ...(predictionPsi !== undefined ? { predictionPsi } : {}), worst, window, drifted, threshold: this.threshold })
  }
}
