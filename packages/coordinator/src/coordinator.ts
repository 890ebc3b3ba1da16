// `kiln coordinator`: contends for the leader lease; the holder leads (leader.ts), the others
// wait as standbys and take over within the lease TTL (plus about a second) of a leader's
// death. A leader that cannot renew in time, or finds its writes refused, steps down at once.
import { randomBytes } from 'node:crypto'
import type { NatsConnection } from '@nats-io/transport-node'
import {
  acquireLease,
  daemonLayoutOptions,
  ensureLayout,
  releaseLease,
  renewLease,
  serveMetrics,
  waitForLeaseFree,
  type EnsureLayoutOptions,
  type Lease,
} from '@kiln/cluster-state'
import { TimeoutError } from '@kiln/protocol'
import { jsonLineSink, makeLogger, type LogSink } from '@kiln/train/spec'
import { serveApi } from './api.js'
import { Leader } from './leader.js'
import type { TriggerClock } from './pipelines/triggers.js'
import { CoordinatorMetrics } from './metrics.js'
import { DEFAULT_RETRY, type RetryPolicy } from './retry.js'

const LEASE_KEY = 'coordinator'

export interface CoordinatorOptions {
  nc: NatsConnection
  /** Default: a random id. */
  id?: string
  layout?: EnsureLayoutOptions
  retry?: Partial<RetryPolicy>
  tickMs?: number
  commandTimeoutMs?: number
  log?: LogSink
  /** A lost node is forgotten (with its slots) after this long; default 3 node TTLs, at least 30 s. */
  forgetNodesAfterMs?: number
  /** Serve Prometheus /metrics on this port (0: any free one; default: no server). */
  metricsPort?: number
  /** The address /metrics listens on (default 127.0.0.1). */
  metricsHost?: string
  /** Called each time this coordinator becomes leader or steps down. */
  onRole?: (role: 'leader' | 'standby') => void
  /** Where pipeline data steps fetch datasets to. */
  cacheDir?: string
  /** The gateway's HTTP address, where pipeline canaries count requests (`--gateway-url`). */
  gatewayUrl?: string
  /** How often waiting pipeline steps look again (ms, default 250). */
  pipelinePollMs?: number
  /** The clock pipeline cron triggers follow (tests; default: the system's). */
  triggerClock?: TriggerClock
}

export interface Coordinator {
  readonly id: string
  isLeader(): boolean
  /** Resolves once this coordinator leads (tests and `kiln up` wait on it). */
  leading(): Promise<void>
  /** The port of /metrics, when it is served. */
  readonly metricsPort: number | undefined
  /** Steps down (releasing the lease so a standby takes over at once) and stops. */
  stop(): Promise<void>
}

/** Starts a coordinator on `nc`: it leads if it gets the lease, otherwise it stands by. */
export async function startCoordinator(options: CoordinatorOptions): Promise<Coordinator> {
  const id = options.id ?? `coord-${randomBytes(4).toString('hex')}`
  const log = makeLogger(options.log ?? jsonLineSink(), 'coordinator', { coordinator: id })
  const layout = await ensureLayout(options.nc, daemonLayoutOptions(log, options.layout))
  const { heartbeatMs, nodeTtlMs, leaseTtlMs } = layout.settings
  const retry = { ...DEFAULT_RETRY, ...options.retry }
  let leader: Leader | undefined
  let lease: Lease | undefined
  let stopped = false
  let leadWaiters: Array<() => void> = []
  let wakeStandby: () => void = () => {}
  const metrics = new CoordinatorMetrics()
  const metricsServer =
    options.metricsPort === undefined
      ? undefined
      : await serveMetrics(metrics.registry, options.metricsPort, options.metricsHost)

  const stepDown = (why: string) => {
    if (!leader) return
    log('warn', 'stepping down', { why })
    leader.stop()
    leader = undefined
    lease = undefined
    options.onRole?.('standby')
    wakeStandby()
  }

  const lead = async (held: Lease) => {
    if (stopped) {
      await releaseLease(held).catch(() => false)
      return
    }
    lease = held
    const l = new Leader({
      nc: options.nc,
      layout,
      coordinatorId: id,
      log,
      retry,
      lostAfterMs: nodeTtlMs,
      forgetAfterMs: options.forgetNodesAfterMs ?? Math.max(30_000, 3 * nodeTtlMs),
      tickMs: options.tickMs ?? Math.max(50, Math.floor(heartbeatMs / 4)),
      commandTimeoutMs: options.commandTimeoutMs ?? 3000,
      onDeposed: (err) => stepDown(err.message),
      metrics,
      ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
      ...(options.gatewayUrl ? { gatewayUrl: options.gatewayUrl } : {}),
      ...(options.pipelinePollMs ? { pipelinePollMs: options.pipelinePollMs } : {}),
      ...(options.triggerClock ? { triggerClock: options.triggerClock } : {}),
    })
    leader = l
    await l.start()
    serveApi(l)
    // Subscriptions reach the server asynchronously: a round trip makes sure that whoever
    // waited for leading() finds the API answering, not "no responders".
    await options.nc.flush().catch(() => undefined)
    log('info', 'leading', { leaseTtlMs, heartbeatMs })
    options.onRole?.('leader')
    for (const w of leadWaiters) w()
    leadWaiters = []
    // Renew at a third of the TTL: two renewals may fail before the lease runs out.
    while (!stopped && leader === l && lease) {
      await new Promise<void>((ok) => {
        const t = setTimeout(ok, leaseTtlMs / 3)
        wakeStandby = () => {
          clearTimeout(t)
          ok()
        }
      })
      if (stopped || leader !== l || !lease) break
      try {
        lease = await renewLease(lease)
      } catch (err) {
        stepDown(`lease renewal failed: ${(err as Error).message}`)
      }
    }
  }

  const loop = async () => {
    while (!stopped) {
      try {
        const held = await acquireLease(layout.kv.leader, LEASE_KEY, id, leaseTtlMs)
        if (held) {
          await lead(held)
          continue
        }
        log('info', 'standing by', {})
        options.onRole?.('standby')
        await waitForLeaseFree(layout.kv.leader, LEASE_KEY, { timeoutMs: 60_000 }).catch((err) => {
          if (!(err instanceof TimeoutError)) throw err
        })
      } catch (err) {
        if (stopped) return
        log('error', 'election step failed; retrying', { error: String((err as Error)?.message ?? err) })
        await new Promise((ok) => setTimeout(ok, 500))
      }
    }
  }
  const running = loop()

  return {
    id,
    metricsPort: metricsServer?.port,
    isLeader: () => leader !== undefined,
    leading: () => (leader ? Promise.resolve() : new Promise<void>((ok) => leadWaiters.push(ok))),
    stop: async () => {
      stopped = true
      const held = lease
      leader?.stop()
      leader = undefined
      wakeStandby()
      if (held) await releaseLease(held).catch(() => false)
      await metricsServer?.close()
      // A standby may be parked in waitForLeaseFree; it sees `stopped` when it wakes.
      await Promise.race([running.catch(() => undefined), new Promise((ok) => setTimeout(ok, 200))])
    },
  }
}
