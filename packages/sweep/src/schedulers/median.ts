// The median stopping rule (Golovin et al. 2017, Google Vizier): at step t >= gracePeriod, a
// trial stops when its best score so far (compare: best) or its running average (compare:
// mean) is strictly worse than the median of the other trials' running averages at t. "Other
// trials" are those, in any state, that have reported at t or later, so it works while they
// still run; the rule waits until there are minSamples of them.
import type { TrialRecord } from '../trial.js'
import { CONTINUE, PerTrialScheduler, stop, type Outcome, type SchedulerContext } from './scheduler.js'

export interface MedianOptions {
  gracePeriod: number
  minSamples: number
  compare: 'best' | 'mean'
}

interface Series {
  t: number[]
  /** Running sums of the scores. */
  sum: number[]
  /** null before the first report (JSON has no -Infinity). */
  best: number | null
}

/** The median of a non-empty list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

// The mean of the scores reported at steps <= t (the series is in report order and its
// steps do not decrease, so a binary search finds the last one).
function runningMean(series: Series, t: number): number {
  let lo = 0
  let hi = series.t.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (series.t[mid]! <= t) lo = mid
    else hi = mid - 1
  }
  return series.sum[lo]! / (lo + 1)
}

/** The median stopping scheduler. */
export class MedianScheduler extends PerTrialScheduler<MedianOptions, Series> {
  protected fresh(): Series {
    return { t: [], sum: [], best: null }
  }

  onResult(trial: TrialRecord, t: number, score: number, ctx: SchedulerContext): Outcome {
    const own = this.records[trial.id]!
    const n = own.t.length
    // A step that goes back (a restarted trial) starts its series again.
    if (n > 0 && t < own.t[n - 1]!) Object.assign(own, this.fresh())
    own.t.push(t)
    own.sum.push((own.sum[own.t.length - 2] ?? 0) + score)
    own.best = own.best === null ? score : Math.max(own.best, score)
    if (t < this.options.gracePeriod) return { decision: CONTINUE }
    const others: number[] = []
    for (const id in this.records) {
      const s = this.records[id]!
      if (id !== trial.id && s.t.length > 0 && s.t[s.t.length - 1]! >= t) others.push(runningMean(s, t))
    }
    if (others.length < this.options.minSamples) return { decision: CONTINUE }
    const mid = median(others)
    const mine = this.options.compare === 'best' ? own.best : runningMean(own, t)
    if (mine >= mid) return { decision: CONTINUE }
    const what = this.options.compare === 'best' ? 'best value' : 'running average'
    return {
      decision: stop(
        `${what} ${round(ctx.sign * mine)} at t=${t} is worse than the median ${round(ctx.sign * mid)} of ${others.length} other trials' running averages`,
      ),
    }
  }
}

function round(x: number): number {
  return Number(x.toPrecision(4))
}
