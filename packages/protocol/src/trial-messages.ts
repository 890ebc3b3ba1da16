// What a running trial streams: metrics (KILN_METRICS) and log lines (KILN_LOGS), the lines
// in batches.
import { z } from 'zod'
import { count, id, message, metrics, text, timestamp } from './fields.js'
import { LogLevel } from './log-record.js'
import { expecting } from './schema-kit.js'

/** One epoch's (or step's) metrics from a trial. */
export const MetricReportSchema = message('metric', {
  trialId: id('a trial id'),
  epoch: count,
  step: count.optional(),
  /** The attempt (placement) that trained it: a retry repeats the epochs after its checkpoint. */
  attempt: count.optional(),
  metrics: metrics.refine((m) => Object.keys(m).length > 0, { message: 'at least one metric' }),
  at: timestamp,
})
export type MetricReport = z.infer<typeof MetricReportSchema>

/** The longest log line kept; a trial's logger splits or truncates longer ones. */
export const MAX_LOG_LINE = 16 * 1024

const logLine = message('log', {
  trialId: id('a trial id'),
  time: z.string(expecting('an ISO 8601 time')).datetime({ offset: true }),
  level: z.enum(
    [LogLevel.debug, LogLevel.info, LogLevel.warn, LogLevel.error],
    expecting('"debug", "info", "warn" or "error"'),
  ),
  component: text(64, 'a component name'),
  msg: z.string(expecting(`a string of at most ${MAX_LOG_LINE} characters`)).max(MAX_LOG_LINE),
})

/**
 * One line of a trial's log: the process log record (log-record.ts) with its trial id. Lines
 * written before that record was shared (`at` in ms, no component) are read as trial lines.
 */
export const LogLineSchema = z
  .preprocess((value) => {
    const v = value as Record<string, unknown> | null
    if (v === null || typeof v !== 'object' || v.time !== undefined || typeof v.at !== 'number') return value
    const { at, ...rest } = v
    return { component: 'trial', ...rest, time: new Date(at as number).toISOString() }
  }, logLine)
  .describe('log')
export type LogLine = z.infer<typeof logLine>

const logEntry = logLine.omit({ v: true, trialId: true })

/**
 * Several consecutive lines of one trial's log in one KILN_LOGS message: a worker sends a
 * trial's lines in batches, since each message is a stored (and, with sync_interval:
 * always, fsynced) JetStream write.
 */
export const LogBatchSchema = message('log batch', {
  trialId: id('a trial id'),
  lines: z.array(logEntry, expecting('a list of log lines')).min(1),
})
export type LogBatch = z.infer<typeof LogBatchSchema>

/** One KILN_LOGS message: a batch, or a single line as workers wrote them before batches. */
export const LogMessageSchema = z.union([LogBatchSchema, LogLineSchema])

/** The lines of one KILN_LOGS message, in order. */
export function logLinesOf(m: z.output<typeof LogMessageSchema>): LogLine[] {
  return 'lines' in m ? m.lines.map((line) => ({ v: m.v, trialId: m.trialId, ...line })) : [m]
}
