// How `kiln up`, `down` and `status` print cluster events and the cluster's summary: lines
// for people, or one JSON object per line with --json.
import { relative } from 'node:path'
import type { ClusterEvent, ClusterFile, OnClusterEvent } from '@kiln/local'
import type { CliIo } from '../io.js'

function eventLine(e: ClusterEvent): string | undefined {
  switch (e.event) {
    case 'starting':
      return undefined
    case 'ready':
      return `${e.name} ready (pid ${e.pid}, ${e.ms < 1000 ? `${e.ms} ms` : `${(e.ms / 1000).toFixed(1)} s`})`
    case 'missing':
      return `${e.name}: this build of kiln has no "${e.command}" command (it answered: unknown command), so the cluster runs without it`
    case 'found':
      return (
        `found the local cluster at ${e.url}` +
        (e.dead.length
          ? `; not running: ${e.dead.join(', ')}${e.supervised ? ' (its kiln up restarts them)' : ' (restarting them)'}`
          : '')
      )
    case 'exited':
      return `${e.name} exited (${e.code ?? e.signal ?? 'unknown'})`
    case 'restarting':
      return `restarting ${e.name} in ${Math.round(e.delayMs / 1000)} s (attempt ${e.attempt})`
    case 'gave-up':
      return `${e.name} keeps failing; gave up after ${e.restarts} restarts (see its log)`
    case 'stopping':
      return undefined
    case 'stopped':
      return `${e.name} ${e.how}`
  }
}

/** Prints each cluster event as a line (people) or a JSON object (--json). */
export function clusterEventPrinter(io: CliIo, json: boolean): OnClusterEvent {
  return (e) => {
    if (json) return void io.stdout.write(`${JSON.stringify(e)}\n`)
    const line = eventLine(e)
    if (line) io.stdout.write(`${line}\n`)
  }
}

/**
 * The summary of a running cluster, paths relative to where the user is. With `running`
 * (kiln status), each process says whether it still runs.
 */
export function clusterSummary(info: ClusterFile, cwd: string, running?: ReadonlyMap<string, boolean>): string {
  const rel = (p: string) => relative(cwd, p) || '.'
  const roles = Object.keys(info.creds).join(',')
  const state = (name: string) => (running === undefined ? '' : running.get(name) ? '' : ', NOT RUNNING: see its log')
  const procs = info.processes.map((p) => `${p.name} (${p.pid}${state(p.name)})`).join(', ')
  return `${[
    `  NATS       ${info.url}  (nats-server ${info.versions.natsServer}, JetStream data in ${rel(`${info.dir}/jetstream`)})`,
    ...(info.gatewayUrl ? [`  gateway    ${info.gatewayUrl}`] : []),
    `  creds      ${rel(`${info.dir}/creds`)}/{${roles}}.creds`,
    `  processes  ${procs || 'none'}`,
    `  logs       ${rel(`${info.dir}/logs`)}/`,
  ].join('\n')}\n`
}
