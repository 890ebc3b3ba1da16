// Kiln's one log record and logger live in @kiln/protocol (every process uses them); train
// re-exports them because its entry points (@kiln/train, @kiln/train/spec) always have.
export { LogLevel, jsonLineSink, makeLogger } from '@kiln/protocol'
export type { Logger, LogRecord, LogSink } from '@kiln/protocol'
