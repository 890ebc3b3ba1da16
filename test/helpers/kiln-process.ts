// Runs `kiln <command>` as a child process for cluster tests: waits for its "ready" line,
// keeps its output for failure messages, and can be killed hard (kill -9) or stopped.
import { spawn, type ChildProcess } from 'node:child_process'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = resolve(fileURLToPath(import.meta.url), '../../..')
const MAIN = join(repo, 'packages', 'cli', 'src', 'main.ts')
// Absolute, so a command run in a temporary folder still finds tsx.
const TSX = import.meta.resolve('tsx')

export interface KilnChild {
  child: ChildProcess
  /** Everything it printed so far (stdout and stderr). */
  output(): string
  /** The "ready" JSON line it printed. */
  ready: Promise<Record<string, unknown>>
  exited: Promise<number | null>
  kill9(): Promise<void>
  /** SIGTERM, then SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>
}

/** Starts `kiln ...args` from the repository root with `env` added. */
export function startKiln(
  args: string[],
  env: Record<string, string> = {},
  readyTimeoutMs = 60_000,
  cwd = repo,
): KilnChild {
  const child = spawn(process.execPath, ['--conditions=kiln-src', '--import', TSX, MAIN, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let stdout = ''
  const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)))
  const ready = new Promise<Record<string, unknown>>((ok, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`kiln ${args[0]} not ready in ${readyTimeoutMs} ms:\n${out.slice(-3000)}`)),
      readyTimeoutMs,
    )
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      stdout += chunk.toString()
      // Only stdout: the logs on stderr may also say "ready", without the ids.
      for (const line of stdout.split('\n')) {
        if (!line.includes('"ready"')) continue
        try {
          const parsed = JSON.parse(line) as Record<string, unknown>
          if (parsed.event === 'ready') {
            clearTimeout(timer)
            ok(parsed)
          }
        } catch {
          /* not a JSON line */
        }
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      fail(new Error(`kiln ${args[0]} exited (${code}) before ready:\n${out.slice(-3000)}`))
    })
  })
  ready.catch(() => undefined)
  child.stderr!.on('data', (chunk: Buffer) => {
    out = (out + chunk.toString()).slice(-200_000)
  })
  return {
    child,
    ready,
    exited,
    output: () => out,
    kill9: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    },
    stop: async (graceMs = 15_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      await exited
      clearTimeout(timer)
    },
  }
}

/** Runs `kiln ...args` in `cwd` to its end: exit code and output. */
export async function runKiln(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--conditions=kiln-src', '--import', TSX, MAIN, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (c: Buffer) => {
    stdout += c.toString()
  })
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString()
  })
  // 'close', not 'exit': output still in the pipes when the process exits would be lost.
  const code = await new Promise<number | null>((ok) => child.once('close', (c) => ok(c)))
  return { code, stdout, stderr }
}
