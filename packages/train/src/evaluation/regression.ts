// Regression figures as scikit-learn defines them: mean absolute error, root mean squared
// error and R² (with sklearn's convention for constant targets: 1 when predicted exactly,
// else 0).
import { ValidationError, type RegressionEvaluation } from '@kiln/protocol'

/** Evaluates predicted values against true ones (equal lengths, finite numbers). */
export function evaluateRegression(targets: ArrayLike<number>, predictions: ArrayLike<number>): RegressionEvaluation {
  const n = targets.length
  if (predictions.length !== n)
    throw new ValidationError('predictions', `${n} values (one per target), got ${predictions.length}`)
  let mean = 0
  for (let i = 0; i < n; i++) {
    const y = targets[i]!
    if (!Number.isFinite(y)) throw new ValidationError(`targets[${i}]`, `a finite number, got ${y}`)
    mean += y
  }
  mean = n === 0 ? 0 : mean / n
  let abs = 0
  let squared = 0
  let total = 0
  for (let i = 0; i < n; i++) {
    const e = targets[i]! - predictions[i]!
    abs += Math.abs(e)
    squared += e * e
    total += (targets[i]! - mean) ** 2
  }
  const r2 = total === 0 ? (squared === 0 ? 1 : 0) : 1 - squared / total
  return {
    task: 'regression',
    count: n,
    mae: n === 0 ? 0 : abs / n,
    rmse: n === 0 ? 0 : Math.sqrt(squared / n),
    r2: Number.isFinite(r2) ? r2 : 0,
  }
}
