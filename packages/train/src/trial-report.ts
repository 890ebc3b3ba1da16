// One report of a trial (its own file: checkpoints carry the report history, and the trial
// context makes checkpoints).

/** One report: the metrics of a step (an epoch, for the fit callbacks). */
export interface TrialReport {
  /** 1-based, counting reports. */
  step: number
  metrics: Record<string, number>
  durationMs?: number
  samplesPerSecond?: number
}
