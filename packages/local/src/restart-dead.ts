// A second `kiln up` on a running cluster: restart the kiln processes that died, unless a
// foreground `kiln up` is supervising them (it restarts them itself).
import { writeClusterFile, type ClusterFile } from './cluster-file.js'
import { pidAlive } from './process-control.js'
import { startKilnProcess, type StartContext } from './start-kiln-process.js'

/** Restarts the dead kiln processes of a running cluster; returns the updated cluster.json content. */
export async function restartDead(info: ClusterFile, ctx: StartContext): Promise<ClusterFile> {
  const dead = info.processes.filter((p) => p.role !== 'nats' && !pidAlive(p.pid, p.marker))
  const supervised = info.supervisor !== undefined && pidAlive(info.supervisor, ctx.kiln.marker)
  ctx.onEvent({ event: 'found', url: info.url, dead: dead.map((p) => p.name), supervised })
  if (supervised) return info
  for (const p of dead) {
    if (!p.args) continue
    const outcome = await startKilnProcess(
      { name: p.name, role: p.role as Exclude<typeof p.role, 'nats'>, args: p.args },
      ctx,
    )
    if (outcome.kind === 'ready') {
      outcome.spawned.child.unref()
      Object.assign(p, { pid: outcome.entry.pid, started: outcome.entry.started, marker: outcome.entry.marker })
    }
  }
  if (dead.length) writeClusterFile(info)
  return info
}
