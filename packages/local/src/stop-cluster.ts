// Stopping a local cluster's processes: the kiln processes first (gateway, then workers,
// which drain, then the coordinator), nats-server last, so nobody loses its server
// mid-shutdown. Works on processes a different `kiln up` started.
import { readClusterFile, writeClusterFile, type ClusterFile } from './cluster-file.js'
import type { OnClusterEvent } from './events.js'
import { lockDir } from './lock.js'
import { graceFor, STOP_ORDER } from './process-plan.js'
import { pidAlive, stopPid } from './process-control.js'

/** Stops every listed process that is still running, in STOP_ORDER, each role's processes together. */
export async function stopClusterProcesses(info: ClusterFile, onEvent: OnClusterEvent = () => {}): Promise<void> {
  for (const role of STOP_ORDER) {
    await Promise.all(
      info.processes
        .filter((p) => p.role === role)
        .map(async (p) => {
          if (!pidAlive(p.pid, p.marker)) return
          onEvent({ event: 'stopping', name: p.name })
          onEvent({ event: 'stopped', name: p.name, how: await stopPid(p.pid, p.marker, graceFor(role)) })
        }),
    )
  }
}

/** Marks cluster.json stopped: no processes, no supervisor; URL and credentials stay for the next `kiln up`. */
export function markStopped(info: ClusterFile): void {
  const { supervisor: _, ...rest } = info
  writeClusterFile({ ...rest, processes: [], stopped: new Date().toISOString() })
}

/**
 * `kiln down`: stops the local cluster in `dir` and keeps its JetStream data. A foreground
 * `kiln up` supervising it is asked to stop it (SIGTERM), so it does not restart what we stop.
 * Returns false when nothing was running.
 */
export async function downLocalCluster(
  dir: string,
  o: { onEvent?: OnClusterEvent; supervisorMarker?: string } = {},
): Promise<boolean> {
  const info = readClusterFile(dir)
  if (!info) return false
  const unlock = lockDir(dir, 'down')
  try {
    const running = info.processes.some((p) => pidAlive(p.pid, p.marker))
    if (info.supervisor !== undefined && pidAlive(info.supervisor, o.supervisorMarker)) {
      const worst = Math.max(0, ...info.processes.map((p) => graceFor(p.role))) * 2 + 10_000
      await stopPid(info.supervisor, o.supervisorMarker, worst)
    }
    // Whatever the supervisor left (or all of it, without one).
    await stopClusterProcesses(info, o.onEvent)
    markStopped(info)
    return running
  } finally {
    unlock()
  }
}
