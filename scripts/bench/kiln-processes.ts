// The `kiln` processes a bench starts (coordinator, workers), as `kiln up` runs them: each
// logs to DIR/<name>.log and counts as started once it prints its ready line.
import { join } from 'node:path'
import { defaultKilnCommand, spawnKiln, waitForReady, type Spawned } from '@kiln/local'

/** Starts and tracks kiln processes whose logs go to `dir`; killAll() ends them. */
export function kilnProcesses(dir: string) {
  const kiln = defaultKilnCommand()
  const procs: Spawned[] = []
  const killAll = () => {
    for (const p of procs) p.child.kill('SIGKILL')
  }
  // A bench stopped from outside (Ctrl-C, a timeout) would otherwise leave its cluster running.
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)
    process.once(signal, () => {
      killAll()
      process.exit(code)
    })
  return {
    /** `kiln ...args` as `name`, once ready (one kernel thread each, as on a shared machine). */
    async start(name: string, args: string[]): Promise<Spawned> {
      const p = spawnKiln(kiln, args, {
        logFile: join(dir, `${name}.log`),
        cwd: process.cwd(),
        env: { ...process.env, KILN_THREADS: '1' },
      })
      procs.push(p)
      if ((await waitForReady(p, name, 60_000)) !== 'ready')
        throw new Error(`${name} did not start:\n${p.output().slice(-2000)}`)
      return p
    },
    killAll,
  }
}
