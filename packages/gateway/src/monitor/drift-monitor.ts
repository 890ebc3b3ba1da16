// Model Monitor for one model version: compares serving traffic with the training baseline
// in kiln-model.json. Inputs go into per-feature histograms on the baseline's own bin edges,
// predictions (argmax of the output) into class counts; every `window` samples the window is
// scored (PSI per feature, mean over features, PSI of the predicted classes) and reset.
import type { FeatureStats } from '@kiln/data'
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
  private readonly index: Int32Array
  private readonly lo: Float64Array
  private readonly scale: Float64Array
  private hist: Float64Array
  private classes: number[]
  private seen = 0

  constructor(
    private readonly baseline: Baseline,
    private readonly onWindow: (r: DriftResult) => void,
    options: DriftOptions = {},
  ) {
    this.window = options.window ?? 500
    this.threshold = options.threshold ?? 0.2
    this.stats = baseline.inputStats
    const m = this.stats.features.length
    this.hist = new Float64Array(m * this.stats.bins)
    this.index = Int32Array.from(this.stats.features, (f) => f.index)
    this.lo = Float64Array.from(this.stats.features, (f) => f.edges[0]!)
    // As @kiln/data bins them: equal width, outer bins open-ended, a constant feature's own
    // value in bin 0 and anything above it in the last bin.
    this.scale = Float64Array.from(this.stats.features, (f) => {
      const hi = f.edges[f.edges.length - 1]!
      return hi > f.edges[0]! ? this.stats.bins / (hi - f.edges[0]!) : Number.POSITIVE_INFINITY
    })
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
    // One pass per row over the monitored features: a few µs, where building full feature
    // statistics per request would cost the request path a millisecond.
    const bins = this.stats.bins
    const last = bins - 1
    const m = this.index.length
    for (let r = 0; r < rows; r++) {
      const base = r * width
      for (let k = 0; k < m; k++) {
        const v = x[base + this.index[k]!]!
        if (v !== v) continue
        const t = (v - this.lo[k]!) * this.scale[k]!
        this.hist[k * bins + (t > 0 ? (t < last ? t | 0 : last) : 0)]!++
      }
    }
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
    const scores = this.stats.features.map((f, k) => ({
      index: f.index,
      psi: psi(f.histogram, this.hist.subarray(k * bins, (k + 1) * bins)),
    }))
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
    this.onWindow({
      featurePsi,
      maxFeaturePsi,
      ...(predictionPsi !== undefined ? { predictionPsi } : {}),
      worst,
      window,
      drifted,
      threshold: this.threshold,
    })
  }
}
