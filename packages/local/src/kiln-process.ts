// Runs one `kiln <command>` of the local cluster (coordinator, worker, gateway) and waits
// until it says it is ready: each prints one JSON line with "event":"ready" on stdout.
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LocalClusterError, LocalFailure } from './errors.js'
import { tailFile } from './process-control.js'
import { spawnLogged, type Spawned } from './spawn-logged.js'
import { waitUntil } from './wait-until.js'

/** How to run the kiln command line: `command ...args <subcommand> ...`. */
export interface KilnCommand {
  command: string
  args: string[]
  /** What the command line of every process started this way contains (see pidAlive). */
  marker: string
}

/** The workspace's CLI from its TypeScript sources, as `pnpm kiln` and bin/kiln.mjs run it. */
export function defaultKilnCommand(): KilnCommand {
  const main = resolve(fileURLToPath(import.meta.url), '../../../cli/src/main.ts')
  return {
    command: process.execPath,
    args: ['--conditions=kiln-src', '--import', import.meta.resolve('tsx'), main],
    marker: main,
  }
}

/** Starts `kiln <args>` in its own process group, its output appended to `logFile`. */
export function spawnKiln(
  kiln: KilnCommand,
  args: string[],
  o: { logFile: string; cwd: string; env?: NodeJS.ProcessEnv },
): Spawned {
  return spawnLogged(kiln.command, [...kiln.args, ...args], { ...o, detached: true })
}

function hasReadyLine(output: string): boolean {
  for (const line of output.split('\n')) {
    if (!line.includes('"ready"')) continue
    try {
      if ((JSON.parse(line) as { event?: unknown }).event === 'ready') return true
    } catch {
      /* not a JSON line */
    }
  }
  return false
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1000) })).ok
  } catch {
    return false
  }
}

/**
 * Resolves 'ready' once the process printed its ready line (or `readyUrl`, when given,
 * answers 200: the gateway's health check), 'missing' if this build of the CLI has no such
 * command (it answered "unknown command"); throws LocalClusterError if it exits or is not
 * ready within `timeoutMs`, with the end of its log.
 */
export async function waitForReady(
  proc: Spawned,
  name: string,
  timeoutMs: number,
  readyUrl?: string,
): Promise<'ready' | 'missing'> {
  const failed = (what: string) =>
    new LocalClusterError(
      LocalFailure.processStart,
      `${name} ${what}; the end of its log (${proc.logFile}):\n${tailFile(proc.logFile, 2000).trimEnd()}`,
      { data: { process: name } },
    )
  let exitedEarly: { code: number | null; signal: string | null } | undefined
  void proc.exited.then((e) => {
    exitedEarly = e
  })
  return waitUntil<'ready' | 'missing'>(
    async () => {
      const output = proc.output()
      if (hasReadyLine(output)) return 'ready'
      if (!exitedEarly) return readyUrl && (await answers(readyUrl)) ? 'ready' : undefined
      if (/unknown command/.test(output)) return 'missing'
      throw failed(`exited before it was ready (${exitedEarly.code ?? exitedEarly.signal})`)
    },
    { timeoutMs, intervalMs: readyUrl ? 200 : 50, onTimeout: () => failed(`was not ready within ${timeoutMs} ms`) },
  )
}
