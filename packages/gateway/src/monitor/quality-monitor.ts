// Model quality, continuously (SageMaker Model Monitor's model-quality job, live): the
// gateway remembers the predicted class of each captured request by its id; services post
// the true labels later; accuracy per endpoint variant is kept over the last `window`
// labelled rows, and an alert fires when it falls below the model's test accuracy (from
// kiln-model.json) by more than `threshold`. It fires once per fall and re-arms on recovery.

export interface QualityOptions {
  /** Labelled rows per variant the live accuracy is measured over (default 200). */
  window?: number
  /** Rows needed before an alert may fire (default 50). */
  minSamples?: number
  /** How far below the test accuracy counts as degraded (default 0.1). */
  threshold?: number
  /** Predictions kept waiting for their labels (default 100,000; the oldest go first). */
  maxPending?: number
}

/** A captured prediction waiting for its ground truth. */
export interface Prediction {
  name: string
  variant: string
  model: string
  version: number
  /** Predicted class per row. */
  classes: Int32Array
  /** The model's test accuracy, when its metadata has one. */
  baseline?: number
}

/** The live accuracy of one variant. */
export interface VariantQuality {
  name: string
  variant: string
  model: string
  version: number
  labelled: number
  correct: number
  /** Over the last window of labelled rows. */
  accuracy: number
  baseline?: number
  degraded: boolean
}

/** What one ground-truth label did. */
export type TruthOutcome = 'matched' | 'unknown' | 'mismatched-rows'

interface Tracker extends VariantQuality {
  ring: Uint8Array
  at: number
  filled: number
}

/** Joins ground truth with captured predictions and watches accuracy. */
export class QualityMonitor {
  private readonly pending = new Map<string, Prediction>()
  private readonly trackers = new Map<string, Tracker>()
  readonly window: number
  readonly minSamples: number
  readonly threshold: number
  private readonly maxPending: number

  constructor(
    /** After each scored request: the variant, whether it just fell below, rows and right rows added. */
    private readonly onChange: (q: VariantQuality, alert: boolean, rows: number, right: number) => void,
    o: QualityOptions = {},
  ) {
    this.window = o.window ?? 200
    this.minSamples = o.minSamples ?? 50
    this.threshold = o.threshold ?? 0.1
    this.maxPending = o.maxPending ?? 100_000
  }

  /** Remembers a captured request's predicted classes under its id. */
  remember(id: string, p: Prediction): void {
    const key = `${p.name}\u0000${id}`
    this.pending.delete(key)
    this.pending.set(key, p)
    if (this.pending.size > this.maxPending) this.pending.delete(this.pending.keys().next().value!)
  }

  /** Scores the true classes of request `id` to `name` (one per row). */
  truth(name: string, id: string, labels: readonly number[]): TruthOutcome {
    const key = `${name}\u0000${id}`
    const p = this.pending.get(key)
    if (!p) return 'unknown'
    if (labels.length !== p.classes.length) return 'mismatched-rows'
    this.pending.delete(key)
    const t = this.tracker(p)
    let rightRows = 0
    labels.forEach((label, r) => {
      const right = label === p.classes[r] ? 1 : 0
      rightRows += right
      if (t.filled === this.window) t.correct -= t.ring[t.at]!
      else t.filled++
      t.ring[t.at] = right
      t.correct += right
      t.at = (t.at + 1) % this.window
      t.labelled++
    })
    t.accuracy = t.correct / t.filled
    const low = t.baseline !== undefined && t.filled >= this.minSamples && t.accuracy < t.baseline - this.threshold
    const alert = low && !t.degraded
    t.degraded = low
    this.onChange(this.view(t), alert, labels.length, rightRows)
    return 'matched'
  }

  /** Every variant with labelled rows. */
  list(): VariantQuality[] {
    return [...this.trackers.values()].map((t) => this.view(t))
  }

  private view(t: Tracker): VariantQuality {
    const { ring: _r, at: _a, filled: _f, ...q } = t
    return { ...q }
  }

  private tracker(p: Prediction): Tracker {
    const key = `${p.name}\u0000${p.variant}\u0000${p.model}@${p.version}`
    let t = this.trackers.get(key)
    if (!t) {
      t = {
        name: p.name,
        variant: p.variant,
        model: p.model,
        version: p.version,
        labelled: 0,
        correct: 0,
        accuracy: 0,
        ...(p.baseline !== undefined ? { baseline: p.baseline } : {}),
        degraded: false,
        ring: new Uint8Array(this.window),
        at: 0,
        filled: 0,
      }
      this.trackers.set(key, t)
    }
    return t
  }
}
