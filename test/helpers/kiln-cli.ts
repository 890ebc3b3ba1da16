// Runs the `kiln` CLI for tests that drive it end to end: as a child process (for commands
// that leave processes running, like `kiln up --detach`) or in this process (no start-up
// cost). Both parse stdout as JSON lines (the commands run with --json).
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { PassThrough } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { runCli } from '@kiln/cli'

const MAIN = resolve(fileURLToPath(import.meta.url), '../../../packages/cli/src/main.ts')
const TSX = import.meta.resolve('tsx')

/** Runs `kiln ...args` in `cwd` to the end; stdout parsed as JSON lines. */
export function kiln(
  args: string[],
  cwd: string,
): Promise<{ code: number | null; lines: Record<string, unknown>[]; stderr: string }> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, ['--conditions=kiln-src', '--import', TSX, MAIN, ...args], {
      cwd,
      env: { ...process.env, KILN_DIR: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let stderr = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      fail(new Error(`kiln ${args.join(' ')} took over 90 s:\n${out}\n${stderr}`))
    }, 90_000)
    child.stdout.on('data', (d: Buffer) => {
      out += d
    })
    child.stderr.on('data', (d: Buffer) => {
      stderr += d
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      try {
        ok({
          code,
          stderr,
          lines: out
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Record<string, unknown>),
        })
      } catch (err) {
        fail(new Error(`kiln ${args.join(' ')} printed non-JSON: ${out}\n${stderr}`, { cause: err }))
      }
    })
  })
}

/** The same, in this process (no start-up cost): for commands that leave nothing running. */
export async function kilnHere(
  args: string[],
  cwd: string,
): Promise<{ code: number | null; lines: Record<string, unknown>[]; stderr: string }> {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (d: Buffer) => {
    out += d
  })
  stderr.on('data', (d: Buffer) => {
    err += d
  })
  const code = await runCli(args, {
    stdout,
    stderr,
    env: { ...process.env, KILN_DIR: '' },
    cwd,
    onInterrupt: () => () => {},
  })
  return {
    code,
    stderr: err,
    lines: out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>),
  }
}
