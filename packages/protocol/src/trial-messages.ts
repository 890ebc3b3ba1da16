// What a running trial streams: metrics (KILN_METRICS) and log lines (KILN_LOGS).
import { z } from 'zod'
import { count, id, message, metrics, timestamp } from './fields.js'
import { expecting } from './schema-kit.js'

/** One epoch's (or step's) metrics from a trial. */
export const MetricReportSchema = message('metric', {
  trialId: id('a trial id'),
  epoch: count,
  step: count.optional(),
  metrics: metrics.refine((m) => Object.keys(m).length > 0, { message: 'at least one metric' }),
  at: timestamp,
})
export type MetricReport = z.infer<typeof MetricReportSchema>

export const LogLevel = { debug: 'debug', info: 'info', warn: 'warn', error: 'error' } as const
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel]

/** The longest log line kept; a trial's logger splits or truncates longer ones. */
export const MAX_LOG_LINE = 16 * 1024

/** One line of a trial's log. */
export const LogLineSchema = message('log', {
  trialId: id('a trial id'),
  level: z.enum(
    [LogLevel.debug, LogLevel.info, LogLevel.warn, LogLevel.error],
    expecting('"debug", "info", "warn" or "error"'),
  ),
  msg: z.string(expecting(`a string of at most ${MAX_LOG_LINE} characters`)).max(MAX_LOG_LINE),
  at: timestamp,
})
export type LogLine = z.infer<typeof LogLineSchema>
