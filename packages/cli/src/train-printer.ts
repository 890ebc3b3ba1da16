// What `kiln train` prints while it runs: a live progress bar on a terminal, one line per
// epoch otherwise, or one JSON object per event with --json.
import type { BatchEvent, EpochEvent, LogRecord, StartEvent, TrainResult } from '@kiln/train'
import type { CliIo } from './io.js'
import { duration, metricsLine, thousands } from './format.js'
import { curvesText } from './curves-text.js'
import { evaluationText } from './evaluation-text.js'

/** Receives training events and renders them. */
export interface TrainPrinter {
  start(event: StartEvent): void
  batch?(event: BatchEvent): void
  epoch(event: EpochEvent): void
  log(record: LogRecord): void
  note(message: string): void
  done(result: TrainResult): void
}

/** One JSON object per line on stdout: start, epoch, log, done (errors: see reportError). */
export function jsonPrinter(io: CliIo): TrainPrinter {
  const emit = (event: string, body: object) => io.stdout.write(`${JSON.stringify({ event, ...body })}\n`)
  return {
    start: (e) => emit('start', e),
    epoch: (e) => emit('epoch', e),
    log: (r) => emit('log', r),
    note: (msg) => emit('log', { time: new Date().toISOString(), level: 'info', component: 'cli', msg }),
    done: (r) => emit('done', r),
  }
}

const BAR_WIDTH = 24

/** Text for people; `live` redraws a progress bar in place (a TTY). */
export function humanPrinter(io: CliIo, live: boolean): TrainPrinter {
  const out = io.stdout
  let barShown = false
  const clearBar = () => {
    if (barShown) out.write('\r\x1b[2K')
    barShown = false
  }
  const line = (text: string) => {
    clearBar()
    out.write(`${text}\n`)
  }
  const epochLabel = (epoch: number, epochs: number) =>
    `epoch ${String(epoch).padStart(String(epochs).length)}/${epochs}`
  const printer: TrainPrinter = {
    start(e) {
      const { train, validation, test } = e.counts
      const testNote = e.testFrom === 'split' ? ' held out' : ''
      line(
        `${e.name}: training ${e.model} on ${e.dataset} (${thousands(train)} train, ${thousands(validation)} validation, ${thousands(test)} test${testNote}) on ${e.backend}, ${e.epochs} epoch${e.epochs === 1 ? '' : 's'}${e.model === 'gbdt' ? '' : ` of batch ${e.batchSize}`}`,
      )
    },
    epoch(e) {
      const timing = e.durationMs === undefined ? '' : `  ${duration(e.durationMs)}`
      const speed = e.samplesPerSecond === undefined ? '' : `  ${thousands(e.samplesPerSecond)} samples/s`
      line(`${epochLabel(e.epoch, e.epochs)}  ${metricsLine(e.metrics)}${timing}${speed}`)
    },
    log(r) {
      if (r.level === 'warn' || r.level === 'error') {
        clearBar()
        io.stderr.write(`${r.level === 'warn' ? 'warning' : 'error'}: ${r.msg}\n`)
      } else if (r.level === 'info') {
        const { level: _l, component: _c, msg, time: _t, trial: _tr, ...data } = r
        line(`  ${msg}${Object.keys(data).length ? ` ${JSON.stringify(data)}` : ''}`)
      }
    },
    note: (message) => line(message),
    done(r) {
      const test = r.metrics.test
      if (test) {
        const loss = test.loss === undefined ? '' : `, loss ${test.loss.toFixed(4)}`
        const accuracy = test.accuracy === undefined ? '' : `accuracy ${test.accuracy.toFixed(4)}`
        line(
          `test: ${accuracy || 'mean squared error'}${accuracy ? loss : ` ${test.loss?.toFixed(4)}`} (${thousands(test.count)} samples)`,
        )
        if (test.evaluation) out.write(evaluationText(test.evaluation, { color: live }))
      }
      // Curves only on a terminal: a log file gets the per-epoch lines above instead.
      if (live) out.write(curvesText(r.metrics.epochs, { width: io.stdout.columns ?? 80, color: true }))
      const o = r.metrics.objective
      if (o.best !== undefined)
        line(
          `${o.name} (${o.mode}): last ${o.last!.toFixed(4)}, best ${o.best.toFixed(4)}${r.stoppedEarly ? ' (stopped early)' : ''}`,
        )
      line(
        r.modelDir
          ? `model saved to ${r.modelDir} (${duration(r.durationMs)}, ${thousands(r.samplesPerSecond)} samples/s)`
          : `done in ${duration(r.durationMs)}; the trial returned no model, so none was saved`,
      )
    },
  }
  if (live) {
    printer.batch = (e) => {
      const filled = Math.round((e.batch / e.batches) * BAR_WIDTH)
      const bar = '█'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled)
      const text = `${epochLabel(e.epoch, e.epochs)} ${bar} ${e.batch}/${e.batches}  ${metricsLine(e.metrics)}  ${thousands(e.samplesPerSecond)} samples/s`
      const columns = io.stdout.columns ?? 120
      out.write(`\r\x1b[2K${text.slice(0, Math.max(20, columns - 1))}`)
      barShown = true
    }
  }
  return printer
}
