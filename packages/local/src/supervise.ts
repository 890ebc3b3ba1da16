// A foreground `kiln up` watches the processes it started: a kiln process that exits is
// restarted with backoff (a few times, then given up on); nats-server exiting ends the
// cluster, since nothing works without it. stop() shuts everything down in order.
import { writeClusterFile, type ClusterFile } from './cluster-file.js'
import type { OnClusterEvent } from './events.js'
import { pidAlive } from './process-control.js'
import { startKilnProcess, type StartContext, type StartOutcome } from './start-kiln-process.js'
import { markStopped, stopClusterProcesses } from './stop-cluster.js'

export interface Supervision {
  /** Stops every process in order and marks cluster.json stopped; safe to call twice. */
  stop(): Promise<void>
  /** Resolves once stopped; 'nats-exited' when nats-server died on its own. */
  done: Promise<'stopped' | 'nats-exited'>
}

const MAX_RESTARTS = 5
const FIRST_DELAY_MS = 1000
const MAX_DELAY_MS = 30_000

/** Supervises `started` (from upLocalCluster) until stop() or nats-server's death. */
export function superviseLocalCluster(
  info: ClusterFile,
  started: Iterable<Extract<StartOutcome, { kind: 'ready' }>>,
  ctx: StartContext,
): Supervision {
  let stopping: Promise<void> | undefined
  let finish!: (how: 'stopped' | 'nats-exited') => void
  const done = new Promise<'stopped' | 'nats-exited'>((ok) => {
    finish = ok
  })
  const onEvent: OnClusterEvent = ctx.onEvent
  // The exit events we wait on need referenced handles; a timer keeps the loop alive regardless.
  const keepAlive = setInterval(() => {}, 1 << 30)

  const stop = (how: 'stopped' | 'nats-exited' = 'stopped') => {
    stopping ??= (async () => {
      await stopClusterProcesses(info, onEvent)
      markStopped(info)
      clearInterval(keepAlive)
      finish(how)
    })()
    return stopping
  }

  const watch = (proc: Extract<StartOutcome, { kind: 'ready' }>, restarts: number) => {
    void proc.spawned.exited.then(async (exit) => {
      if (stopping) return
      onEvent({ event: 'exited', name: proc.plan.name, code: exit.code, signal: exit.signal })
      if (restarts >= MAX_RESTARTS) return onEvent({ event: 'gave-up', name: proc.plan.name, restarts })
      const delayMs = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** restarts)
      onEvent({ event: 'restarting', name: proc.plan.name, attempt: restarts + 1, delayMs })
      await new Promise((r) => setTimeout(r, delayMs))
      if (stopping) return
      try {
        const next = await startKilnProcess(proc.plan, ctx)
        if (next.kind !== 'ready') return
        const entry = info.processes.find((p) => p.name === proc.plan.name)
        if (entry) Object.assign(entry, { pid: next.entry.pid, started: next.entry.started })
        writeClusterFile(info)
        watch(next, restarts + 1)
      } catch {
        onEvent({ event: 'gave-up', name: proc.plan.name, restarts: restarts + 1 })
      }
    })
  }
  for (const proc of started) watch(proc, 0)

  const nats = info.processes.find((p) => p.role === 'nats')
  const natsWatch = setInterval(() => {
    if (stopping || !nats || pidAlive(nats.pid, nats.marker)) return
    onEvent({ event: 'exited', name: 'nats', code: null, signal: null })
    void stop('nats-exited')
  }, 500)
  void done.then(() => clearInterval(natsWatch))
  return { stop: () => stop(), done }
}
