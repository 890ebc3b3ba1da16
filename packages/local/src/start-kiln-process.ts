// Starts one planned kiln process and waits for it: the step `kiln up` repeats for the
// coordinator, each worker and the gateway, and the supervisor repeats for a restart.
import { join } from 'node:path'
import type { ClusterProcess } from './cluster-file.js'
import type { OnClusterEvent } from './events.js'
import { spawnKiln, waitForReady, type KilnCommand } from './kiln-process.js'
import { stopPid } from './process-control.js'
import type { PlannedProcess } from './process-plan.js'
import type { Spawned } from './spawn-logged.js'

export interface StartContext {
  kiln: KilnCommand
  logsDir: string
  cwd: string
  env?: NodeJS.ProcessEnv
  readyTimeoutMs: number
  onEvent: OnClusterEvent
}

/** A kiln process that is ready (`entry` goes into cluster.json), or one this build lacks. */
export type StartOutcome =
  | { kind: 'ready'; plan: PlannedProcess; entry: ClusterProcess; spawned: Spawned }
  | { kind: 'missing'; plan: PlannedProcess }

/**
 * Starts `plan` and waits until it is ready; a process that fails to start is stopped and
 * its error thrown. `onSpawned` gets its cluster.json entry at once, so that a `kiln up`
 * interrupted while waiting leaves every pid for `kiln down` to find.
 */
export async function startKilnProcess(
  plan: PlannedProcess,
  ctx: StartContext,
  onSpawned: (entry: ClusterProcess) => void = () => {},
): Promise<StartOutcome> {
  ctx.onEvent({ event: 'starting', name: plan.name })
  const t0 = Date.now()
  const spawned = spawnKiln(ctx.kiln, plan.args, {
    logFile: join(ctx.logsDir, `${plan.name}.log`),
    cwd: ctx.cwd,
    ...(ctx.env ? { env: ctx.env } : {}),
  })
  const entry: ClusterProcess = {
    name: plan.name,
    role: plan.role,
    pid: spawned.pid,
    marker: ctx.kiln.marker,
    log: spawned.logFile,
    started: new Date(t0).toISOString(),
    args: plan.args,
  }
  onSpawned(entry)
  try {
    const outcome = await waitForReady(spawned, plan.name, ctx.readyTimeoutMs, plan.readyUrl)
    if (outcome === 'missing') {
      ctx.onEvent({ event: 'missing', name: plan.name, command: plan.args[0]! })
      return { kind: 'missing', plan }
    }
  } catch (err) {
    await stopPid(spawned.pid, ctx.kiln.marker, 5000)
    throw err
  }
  ctx.onEvent({ event: 'ready', name: plan.name, pid: spawned.pid, ms: Date.now() - t0 })
  return { kind: 'ready', plan, entry, spawned }
}
