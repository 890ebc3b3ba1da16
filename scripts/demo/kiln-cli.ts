// Runs the kiln command as a child process, for the demo: the same compiled CLI a user types
// (bin/kiln.mjs, which scripts/setup builds and links onto PATH). Output is kept for error
// messages.
import { spawn } from 'node:child_process'
import { join } from 'node:path'

export const REPO = join(import.meta.dirname, '..', '..')
const BIN = join(REPO, 'packages', 'cli', 'bin', 'kiln.mjs')

export interface KilnRun {
  code: number
  stdout: string
  stderr: string
}

/** `kiln ...args` in `cwd`; rejects with its output when it exits non-zero. */
export function kiln(args: string[], cwd: string, o: { echo?: boolean } = {}): Promise<KilnRun> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, npm_lifecycle_event: 'demo-child' },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => {
      stdout += d
      if (o.echo) process.stdout.write(d)
    })
    child.stderr.on('data', (d: Buffer) => {
      stderr += d
    })
    child.on('error', fail)
    child.on('close', (code) => {
      const run = { code: code ?? 1, stdout, stderr }
      if (run.code === 0) ok(run)
      else fail(new Error(`kiln ${args.join(' ')} exited with ${run.code}:\n${(stderr || stdout).trim().slice(-2000)}`))
    })
  })
}

/** The JSON objects a `--json` run printed, one per line. */
export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
}
