// A second `kiln up` on a running cluster: restart the kiln processes that died, unless a
// foreground `kiln up` is supervising them (it restarts them itself).
import { LocalClusterError, LocalFailure } from './errors.js'
import { writeClusterFile, type ClusterFile } from './cluster-file.js'
import { pidAlive } from './process-control.js'
import { startKilnProcess, type StartContext } from './start-kiln-process.js'

/**
 * Restarts the dead kiln processes of a running cluster and returns the updated cluster.json
 * content once each is ready. One that does not come up does not stop the others: every
 * failure is thrown together at the end, each with the end of its log.
 */
export async function restartDead(info: ClusterFile, ctx: StartContext): Promise<ClusterFile> {
  const dead = info.processes.filter((p) => p.role !== 'nats' && !pidAlive(p.pid, p.marker))
  const supervised = info.supervisor !== undefined && pidAlive(info.supervisor, ctx.kiln.marker)
  ctx.onEvent({ event: 'found', url: info.url, dead: dead.map((p) => p.name), supervised })
  if (supervised) return info
  const failures: string[] = []
  for (const p of dead) {
    if (!p.args) continue
    // The gateway prints no ready line: it is ready when its health check answers (the plan
    // that started it first said so; cluster.json keeps the URL, not the plan).
    const readyUrl = p.role === 'gateway' && info.gatewayUrl ? `${info.gatewayUrl}/v2/health/ready` : undefined
    try {
      const outcome = await startKilnProcess(
        {
          name: p.name,
          role: p.role as Exclude<typeof p.role, 'nats'>,
          args: p.args,
          ...(readyUrl ? { readyUrl } : {}),
        },
        ctx,
      )
      if (outcome.kind === 'ready') {
        outcome.spawned.child.unref()
        Object.assign(p, { pid: outcome.entry.pid, started: outcome.entry.started, marker: outcome.entry.marker })
      }
    } catch (err) {
      failures.push((err as Error).message)
    }
  }
  if (dead.length) writeClusterFile(info)
  if (failures.length) throw new LocalClusterError(LocalFailure.processStart, failures.join('\n'))
  return info
}
