/** Where a command reads its environment and writes its output; tests pass their own. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }
  stderr: NodeJS.WritableStream
  env: NodeJS.ProcessEnv
  /** Relative paths on the command line count from here. */
  cwd: string
  /** Subscribes to Ctrl-C; returns the unsubscribe function. */
  onInterrupt(handler: () => void): () => void
}

/** The real process: stdio, environment, SIGINT. */
export function processIo(cwd = process.cwd()): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd,
    onInterrupt(handler) {
      process.on('SIGINT', handler)
      return () => process.off('SIGINT', handler)
    },
  }
}
