// Metric names and shapes shared by reports, results and saved models.
import type { Evaluation } from '@kiln/protocol'

/** One epoch's metrics (loss, accuracy, val_loss, val_accuracy, or whatever a script reports). */
export interface EpochMetrics {
  /** 1-based. */
  epoch: number
  [metric: string]: number
}

/** Final evaluation on held-out test data. */
export interface TestMetrics {
  /** Samples evaluated. */
  count: number
  /** Classifiers only (a regression model reports loss, the mean squared error). */
  accuracy?: number
  /** The model's compiled loss on the test set (absent for an uncompiled script model). */
  loss?: number
  /** Every figure of the task (per-class, averages, confusion matrix, areas): evaluation/. */
  evaluation?: Evaluation
}

/** The spec's objective metric (`metric:`), as reported. */
export interface ObjectiveValue {
  name: string
  mode: 'max' | 'min'
  /** Last reported value; undefined when it was never reported. */
  last?: number
  /** Best reported value under `mode`. */
  best?: number
}

/** Everything a training run measured. */
export interface TrainMetrics {
  epochs: EpochMetrics[]
  test?: TestMetrics
  objective: ObjectiveValue
}

// tfjs logs say acc / val_acc; specs and reports use Keras 2's accuracy / val_accuracy.
const RENAMES: Record<string, string> = { acc: 'accuracy', val_acc: 'val_accuracy' }

/** Renames tfjs log keys to Kiln's names and keeps only finite numbers. */
export function normalizeLogs(logs: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [key, value] of Object.entries(logs)) {
    if (typeof value === 'number' && Number.isFinite(value)) out[RENAMES[key] ?? key] = value
  }
  return out
}

/** The objective's last and best values over the reported epochs. */
export function objectiveOf(
  epochs: readonly EpochMetrics[],
  metric: { name: string; mode: 'max' | 'min' },
): ObjectiveValue {
  const values = epochs.map((e) => e[metric.name]).filter((v): v is number => typeof v === 'number')
  const out: ObjectiveValue = { name: metric.name, mode: metric.mode }
  if (values.length === 0) return out
  out.last = values[values.length - 1]!
  out.best = metric.mode === 'max' ? Math.max(...values) : Math.min(...values)
  return out
}
