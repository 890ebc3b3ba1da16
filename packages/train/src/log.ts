/** Log levels, least to most severe. */
export const LogLevel = { debug: 'debug', info: 'info', warn: 'warn', error: 'error' } as const
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel]

/** One structured log line: level, component and ids first, then anything else. */
export interface LogRecord {
  level: LogLevel
  component: string
  message: string
  /** ISO 8601. */
  time: string
  [field: string]: unknown
}

export type LogSink = (record: LogRecord) => void

/** A sink that writes one JSON object per line (stderr by default, so stdout stays for results). */
export function jsonLineSink(stream: NodeJS.WritableStream = process.stderr): LogSink {
  return (record) => {
    stream.write(`${JSON.stringify(record)}\n`)
  }
}

/** A log function bound to a component and its ids. */
export function makeLogger(sink: LogSink, component: string, ids: Record<string, unknown> = {}) {
  return (level: LogLevel, message: string, data: Record<string, unknown> = {}): void => {
    sink({ level, component, ...ids, message, time: new Date().toISOString(), ...data })
  }
}
export type Logger = ReturnType<typeof makeLogger>
