// The figures ensemble selection and permutation importance compare predictions by, all as
// "lower is better" losses so that one comparison serves every metric.

/** What predictions are judged by. */
export const SelectionMetric = { accuracy: 'accuracy', logLoss: 'log_loss', mse: 'mse' } as const
export type SelectionMetric = (typeof SelectionMetric)[keyof typeof SelectionMetric]

/** The truth predictions are compared with: class indices, or regression targets. */
export type Truth = { labels: Int32Array } | { targets: Float32Array }

const EPS = 1e-15

/** Fraction of rows whose highest probability is their class (probs: rows x classes). */
export function accuracyOf(probs: ArrayLike<number>, labels: Int32Array, classes: number): number {
  let right = 0
  for (let r = 0; r < labels.length; r++) {
    let best = 0
    for (let c = 1; c < classes; c++) if (probs[r * classes + c]! > probs[r * classes + best]!) best = c
    if (best === labels[r]) right++
  }
  return labels.length === 0 ? 0 : right / labels.length
}

/** Mean negative log probability of each row's class (probabilities clipped at 1e-15). */
export function logLossOf(probs: ArrayLike<number>, labels: Int32Array, classes: number): number {
  let sum = 0
  for (let r = 0; r < labels.length; r++) sum -= Math.log(Math.max(EPS, probs[r * classes + labels[r]!]!))
  return labels.length === 0 ? 0 : sum / labels.length
}

/** Mean squared error. */
export function mseOf(pred: ArrayLike<number>, targets: Float32Array): number {
  let sum = 0
  for (let r = 0; r < targets.length; r++) sum += (pred[r]! - targets[r]!) ** 2
  return targets.length === 0 ? 0 : sum / targets.length
}

/**
 * The loss of predictions under `metric`: 1 - accuracy (ties broken by a thousandth of the
 * log loss, so that among equally accurate ensembles the better calibrated one wins), the
 * log loss, or the MSE.
 */
export function lossOf(metric: SelectionMetric, pred: ArrayLike<number>, truth: Truth, outputs: number): number {
  if ('targets' in truth) return mseOf(pred, truth.targets)
  const logLoss = logLossOf(pred, truth.labels, outputs)
  if (metric === SelectionMetric.logLoss) return logLoss
  return 1 - accuracyOf(pred, truth.labels, outputs) + 1e-3 * Math.min(logLoss, 10)
}
