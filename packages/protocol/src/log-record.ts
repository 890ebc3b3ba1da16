// The one structured log record of every Kiln process (coordinator, worker, gateway, kiln
// train, a trial): one JSON object per line, `time`, `level`, `component`, `msg`, then ids
// and details. A trial's log stream (KILN_LOGS) carries the same record with its trial id.

/** Log levels, least to most severe. */
export const LogLevel = { debug: 'debug', info: 'info', warn: 'warn', error: 'error' } as const
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel]

/** One log record: time, level, component, message; ids and details beside them. */
export interface LogRecord {
  /** ISO 8601, UTC. */
  time: string
  level: LogLevel
  /** Who logged it: coordinator, worker, gateway, train, trial, ... */
  component: string
  msg: string
  [field: string]: unknown
}

/** Where records go. */
export type LogSink = (record: LogRecord) => void

/** A sink that writes one JSON object per line (stderr by default, so stdout stays for results). */
export function jsonLineSink(stream: NodeJS.WritableStream = process.stderr): LogSink {
  return (record) => {
    stream.write(`${JSON.stringify(record)}\n`)
  }
}

/** A log function bound to a component and its ids: `log('info', 'job submitted', { jobId })`. */
export function makeLogger(sink: LogSink, component: string, ids: Record<string, unknown> = {}) {
  return (level: LogLevel, msg: string, data: Record<string, unknown> = {}): void => {
    sink({ time: new Date().toISOString(), level, component, msg, ...ids, ...data })
  }
}
export type Logger = ReturnType<typeof makeLogger>
