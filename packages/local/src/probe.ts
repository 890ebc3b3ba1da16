// Live checks of a local cluster for `kiln status`: does the coordinator answer, which
// nodes are registered, is the gateway ready. Each check says what failed, never throws.
import { Kvm } from '@nats-io/kv'
import type { NatsConnection } from '@nats-io/transport-node'
import { KvBucket, natsFailure } from '@kiln/cluster-state'
import { PROTOCOL_VERSION, Subjects, encode } from '@kiln/protocol'
import type { ClusterFile } from './cluster-file.js'

/** One check: ok with how long it took, or what went wrong. */
export type Check = { ok: true; ms: number; detail?: string } | { ok: false; error: string }

export interface ClusterProbe {
  nats: Check
  coordinator: Check
  /** Node ids in kiln_nodes (registered and heartbeating). */
  nodes: { ok: true; ids: string[] } | { ok: false; error: string }
  /** The (first) gateway. */
  gateway?: Check
  /** Every gateway, in order, when the cluster runs several (`kiln up --gateways N`). */
  gateways?: Check[]
}

async function timed(fn: () => Promise<string | undefined>): Promise<Check> {
  const t0 = performance.now()
  try {
    const detail = await fn()
    return { ok: true, ms: Math.round(performance.now() - t0), ...(detail ? { detail } : {}) }
  } catch (err) {
    const noone = natsFailure(err) === 'no_responders'
    return { ok: false, error: noone ? 'nothing answers (not running?)' : (err as Error).message }
  }
}

interface IndexEntry {
  name: string
  version: string
  state: string
  reason?: string
  attempts?: number
  retry_in_s?: number
}

// The gateway's model versions in a few words: how many serve, and each one whose loads fail
// (why, how often, when the gateway tries again). The index lists what needs no API key.
async function modelsDetail(gatewayUrl: string, timeoutMs: number): Promise<string | undefined> {
  const res = await fetch(`${gatewayUrl}/v2/repository/index`, {
    method: 'POST',
    signal: AbortSignal.timeout(timeoutMs),
  })
  if (!res.ok) return undefined
  const index = (await res.json()) as IndexEntry[]
  const count = (state: string) => index.filter((e) => e.state === state).length
  const failing = index.filter((e) => (e.attempts ?? 0) > 0)
  const parts = [`${count('READY')} of ${index.length} model versions loaded`]
  if (count('LOADING')) parts.push(`${count('LOADING')} loading`)
  for (const e of failing.slice(0, 5))
    parts.push(
      `${e.name}@${e.version} FAILED ${e.attempts}x: ${e.reason}${e.retry_in_s !== undefined ? ` (next try in ${e.retry_in_s} s)` : ' (no tries left)'}`,
    )
  if (failing.length > 5) parts.push(`${failing.length - 5} more failing`)
  return parts.join('; ')
}

/** Runs every check over `nc` (client credentials suffice) with `timeoutMs` each. */
export async function probeCluster(
  nc: NatsConnection,
  info: Pick<ClusterFile, 'gatewayUrl' | 'gatewayUrls'>,
  timeoutMs = 2000,
): Promise<ClusterProbe> {
  const nats = await timed(async () => {
    await nc.flush()
    return nc.info?.version ? `nats-server ${nc.info.version}` : undefined
  })
  const coordinator = await timed(async () => {
    await nc.request(Subjects.api.status, encode({ v: PROTOCOL_VERSION }), { timeout: timeoutMs })
    return undefined
  })
  let nodes: ClusterProbe['nodes']
  try {
    const kv = await new Kvm(nc).open(KvBucket.nodes)
    const ids: string[] = []
    for await (const key of await kv.keys()) ids.push(key)
    nodes = { ok: true, ids: ids.sort() }
  } catch (err) {
    nodes = { ok: false, error: (err as Error).message }
  }
  const checkGateway = (url: string) =>
    timed(async () => {
      const res = await fetch(`${url}/v2/health/ready`, { signal: AbortSignal.timeout(timeoutMs) })
      if (!res.ok) throw new Error(`GET /v2/health/ready answered ${res.status}`)
      return modelsDetail(url, timeoutMs)
    })
  const gateways = info.gatewayUrls ? await Promise.all(info.gatewayUrls.map(checkGateway)) : undefined
  const gateway = gateways?.[0] ?? (info.gatewayUrl === undefined ? undefined : await checkGateway(info.gatewayUrl))
  return { nats, coordinator, nodes, ...(gateway ? { gateway } : {}), ...(gateways ? { gateways } : {}) }
}
