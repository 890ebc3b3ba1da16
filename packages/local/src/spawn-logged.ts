// Starts a program with stdout and stderr appended to a log file, optionally in its own
// process group so that it can outlive the process that started it (`kiln up --detach`).
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, openSync, readSync, statSync } from 'node:fs'

/** How a process ended. */
export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

/** A program started by spawnLogged. */
export interface Spawned {
  child: ChildProcess
  pid: number
  logFile: string
  /** Where this run's output starts in the log (earlier runs' output comes before). */
  logStart: number
  /** Resolves when the process exits. */
  exited: Promise<Exit>
  /** This run's output so far. */
  output(): string
}

function fileSize(file: string): number {
  try {
    return statSync(file).size
  } catch {
    return 0
  }
}

function readFrom(file: string, start: number): string {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch {
    return ''
  }
  try {
    const size = statSync(file).size
    if (size <= start) return ''
    const buf = Buffer.alloc(size - start)
    readSync(fd, buf, 0, buf.length, start)
    return buf.toString('utf8')
  } finally {
    closeSync(fd)
  }
}

export interface SpawnLoggedOptions {
  logFile: string
  cwd?: string
  env?: NodeJS.ProcessEnv
  /**
   * Its own process group: Ctrl-C in the terminal and a kill of our group do not reach it.
   * Leave it off for anything that must die with its parent (test servers).
   */
  detached?: boolean
}

/** Spawns `command args`, output appended to `logFile`; throws if it cannot start at all. */
export function spawnLogged(command: string, args: string[], o: SpawnLoggedOptions): Spawned {
  const logStart = fileSize(o.logFile)
  const fd = openSync(o.logFile, 'a', 0o600)
  let child: ChildProcess
  try {
    child = spawn(command, args, { cwd: o.cwd, env: o.env, detached: o.detached ?? false, stdio: ['ignore', fd, fd] })
  } finally {
    closeSync(fd)
  }
  const exited = new Promise<Exit>((ok) => {
    child.once('exit', (code, signal) => ok({ code, signal }))
    // A spawn failure (ENOENT) emits 'error' and no 'exit'.
    child.once('error', () => ok({ code: 127, signal: null }))
  })
  return {
    child,
    pid: child.pid ?? -1,
    logFile: o.logFile,
    logStart,
    exited,
    output: () => readFrom(o.logFile, logStart),
  }
}
