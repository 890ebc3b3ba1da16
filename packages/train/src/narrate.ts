// A run's story as log lines: the data it trained on, each epoch, the test evaluation. A
// cluster trial has no one watching its progress bar, so its log stream (kiln logs, the
// dashboard) is where a person reads what it did; `kiln train` prints the same events itself.
import type { Logger } from './log.js'
import type { TestMetrics } from './metrics.js'
import type { EpochEvent, StartEvent } from './train-events.js'

const count = (n: number) => Math.round(n).toLocaleString('en-US')
const metric = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(4))
// Training metrics before validation ones, each loss before its accuracy (as kiln train prints).
const rank = (k: string) => (k.startsWith('val_') ? 2 : 0) + (k.endsWith('loss') ? 0 : 1)
const metrics = (m: Record<string, number>) =>
  Object.keys(m)
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .map((k) => `${k} ${metric(m[k]!)}`)
    .join(', ')
const seconds = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`)

/** Logs each stage of a run at info level. */
export function narrator(log: Logger) {
  return {
    start(e: StartEvent): void {
      const { train, validation, test } = e.counts
      log(
        'info',
        `data: ${e.dataset}: ${count(train)} train, ${count(validation)} validation, ${count(test)} test samples of shape [${e.sampleShape.join(', ')}], ${e.numClasses} classes`,
      )
      log('info', `training ${e.model} on ${e.backend}: ${e.epochs} epochs of batch ${e.batchSize}`)
    },
    epoch(e: EpochEvent): void {
      const timing =
        e.durationMs === undefined
          ? ''
          : ` (${seconds(e.durationMs)}${e.samplesPerSecond === undefined ? '' : `, ${count(e.samplesPerSecond)} samples/s`})`
      log('info', `epoch ${e.epoch}/${e.epochs}: ${metrics(e.metrics)}${timing}`)
    },
    tested(m: TestMetrics): void {
      // A regression model (gbdt, squared error) has a loss and no accuracy.
      const parts = [
        ...(m.accuracy === undefined ? [] : [`accuracy ${metric(m.accuracy)}`]),
        ...(m.loss === undefined ? [] : [`loss ${metric(m.loss)}`]),
      ]
      log('info', `test: ${parts.join(', ') || 'evaluated'} (${count(m.count)} samples)`)
    },
    stopped(epochs: number, early: boolean): void {
      log(
        'info',
        `trained ${epochs} epoch${epochs === 1 ? '' : 's'}${early ? ' (the scheduler stopped it early)' : ''}`,
      )
    },
  }
}
