// `kiln worker`: the node agent. It registers this node's slots in kiln_nodes (refreshed by
// every heartbeat, so a dead node's entry expires), heartbeats with what it runs, accepts
// assignments on kiln.node.<id>.command and runs each trial (a builtin model in a pool
// thread, a script in its own sandboxed process: trial-sandbox.ts). It stops its
// trials itself when it has been cut off from NATS for longer than the coordinator waits
// before declaring it lost, so a trial rescheduled elsewhere never runs twice at once.
import { randomBytes } from 'node:crypto'
import { homedir, hostname, loadavg } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { NatsConnection, Subscription } from '@nats-io/transport-node'
import { Piscina } from 'piscina'
import {
  HeartbeatSchema,
  KilnError,
  ErrorCode,
  NodeCommandSchema,
  NodeRegistrationSchema,
  Subjects,
  encode,
  type NodeCommand,
  type NodeRegistration,
  type Slot,
  type TrialAssignment,
} from '@kiln/protocol'
import { daemonLayoutOptions, ensureLayout, serve, serveMetrics, type EnsureLayoutOptions } from '@kiln/cluster-state'
import { jsonLineSink, makeLogger, type LogSink } from '@kiln/train/spec'
// Types only: the agent's thread must not load tfjs (the trial threads do).
import type { ThreadConnection } from '@kiln/train'
import type { TrialTask } from './thread-messages.js'
import { fetchTrialInputs } from './trial-inputs.js'
import { TrialHost } from './trial-host.js'
import { chooseSandbox, type SandboxMode, type SandboxPlan } from './trial-sandbox.js'
import { TrialProcesses } from './warm-trial-processes.js'
import { WorkerMetrics } from './worker-metrics.js'

export interface WorkerOptions {
  nc: NatsConnection
  slots: Slot[]
  name?: string
  nodeId?: string
  layout?: EnsureLayoutOptions
  log?: LogSink
  checkpointEveryEpochs?: number
  checkpointEveryMs?: number
  /**
   * How trial threads of data-parallel trials connect to NATS for their ring traffic
   * (default: the server `nc` is on, without credentials).
   */
  threadConnection?: ThreadConnection
  /** Where datasets and bundles are cached (default ~/.cache/kiln). */
  cacheDir?: string
  /**
   * Once it has run a script trial, keep a script-trial process started for each free slot
   * ahead of the next (default true): each serves one trial, then the slot gets a fresh one.
   */
  prestartTrials?: boolean
  /** How script trials are confined (default auto: the strongest this machine allows). */
  sandbox?: 'auto' | SandboxMode | SandboxPlan
  version?: string
  /** Serve Prometheus /metrics on this port (0: any free one; default: no server). */
  metricsPort?: number
  /** The address /metrics listens on (default 127.0.0.1). */
  metricsHost?: string
  /** The native kernel thread pool's size, for /metrics (the CLI passes @kiln/native's threads). */
  kernelThreads?: () => number
}

export interface WorkerAgent {
  readonly nodeId: string
  readonly registration: NodeRegistration
  /** Whether it is draining (told to, or stopping): it takes no new trials. */
  readonly draining: boolean
  /** The port of /metrics, when it is served. */
  readonly metricsPort: number | undefined
  /** Script-trial processes: waiting (loaded) now, and how many trials took one started ahead or started for them. */
  trialProcesses(): { ready: number; prestarted: number; cold: number }
  /** Trials running now. */
  running(): Array<{ trialId: string; attempt: number; epoch: number; rank: number }>
  /** Checkpoints and hands back every trial, deregisters, and stops. */
  drain(timeoutMs?: number): Promise<void>
  /** Stops at once (trials are cancelled, not handed back). */
  stop(): Promise<void>
}

const threadEntry = (() => {
  const here = fileURLToPath(import.meta.url)
  return new URL(`./trial-thread${here.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href
})()

/** Starts a node agent on `nc`. */
export async function startWorker(o: WorkerOptions): Promise<WorkerAgent> {
  const nodeId = o.nodeId ?? `node-${randomBytes(4).toString('hex')}`
  const log = makeLogger(o.log ?? jsonLineSink(), 'worker', { node: nodeId })
  const layout = await ensureLayout(o.nc, daemonLayoutOptions(log, o.layout))
  const cacheDir = o.cacheDir ?? join(homedir(), '.cache', 'kiln')
  const registration: NodeRegistration = {
    v: 1,
    nodeId,
    name: o.name ?? hostname().slice(0, 128),
    host: hostname().slice(0, 255) || 'localhost',
    slots: o.slots,
    version: o.version ?? '0.1.0',
    startedAt: Date.now(),
  }
  encode(NodeRegistrationSchema, registration) // validates slots before anything is announced
  const sandbox: SandboxPlan = typeof o.sandbox === 'object' ? o.sandbox : chooseSandbox(o.sandbox ?? 'auto')
  if (sandbox.mode === 'none')
    log('warn', 'script trials run without a sandbox: they can read what this user can (install bubblewrap)', {
      sandbox: sandbox.mode,
    })
  const pool = new Piscina({
    filename: threadEntry,
    minThreads: 0,
    maxThreads: o.slots.length,
    idleTimeout: 60_000,
    concurrentTasksPerWorker: 1,
  })
  // Keyed by trial and rank: two ranks of one data-parallel trial may share a node.
  const hosts = new Map<string, TrialHost & { slotId: string }>()
  const hostKey = (trialId: string, rank = 0) => `${trialId}#${rank}`
  const threadConnection = o.threadConnection ?? { servers: [o.nc.getServer()] }
  let draining = false
  let stopped = false
  const metrics = new WorkerMetrics({
    slots: o.slots,
    busy: () => [...hosts.values()].map((h) => h.slotId),
    ...(o.kernelThreads ? { kernelThreads: o.kernelThreads } : {}),
    trialProcessesReady: () => processes.ready(),
  })
  const taken = { prestarted: 0, cold: 0 }
  const processes = new TrialProcesses({
    sandbox,
    slots: o.slots,
    prestart: o.prestartTrials ?? true,
    log,
    onTake: (start) => {
      taken[start]++
      metrics.trialProcesses.inc({ start })
    },
  })
  const metricsServer =
    o.metricsPort === undefined ? undefined : await serveMetrics(metrics.registry, o.metricsPort, o.metricsHost)

  const prepare = async (a: TrialAssignment): Promise<Partial<TrialTask>> => {
    const extra = await fetchTrialInputs(a, layout, cacheDir)
    if (!a.resumeFrom) return extra
    const bytes = await layout.objects.checkpoints.getBlob(a.resumeFrom.name)
    if (!bytes)
      throw new KilnError(ErrorCode.notFound, `checkpoint ${a.resumeFrom.name} is missing from kiln_checkpoints`)
    log('info', 'resuming from checkpoint', {
      trialId: a.trialId,
      checkpoint: a.resumeFrom.name,
      epoch: a.resumeFrom.epoch,
    })
    // A checkpoint of another trial (a PBT donor's) lends its weights, never its reports:
    // the trial reports only its own training. Checkpoints are named <job>/<trial>/epoch-N.
    const own = a.resumeFrom.name.startsWith(`${a.jobId}/${a.trialId}/`)
    return { ...extra, resumeFrom: bytes, resumeReports: own }
  }

  const assign = (a: TrialAssignment) => {
    if (draining || stopped) throw new KilnError(ErrorCode.unavailable, `node ${nodeId} is draining`)
    const slot = o.slots.find((s) => s.id === a.slotId)
    if (!slot) throw new KilnError(ErrorCode.invalidArgument, `node ${nodeId} has no slot ${a.slotId}`)
    const key = hostKey(a.trialId, a.rank)
    const busy = [...hosts.values()].find((h) => h.slotId === a.slotId)
    if (busy && hostKey(busy.trialId, busy.rank) !== key)
      throw new KilnError(ErrorCode.conflict, `slot ${a.slotId} is busy with ${busy.trialId}`)
    const existing = hosts.get(key)
    if (existing) {
      if (existing.attempt === a.attempt) return { accepted: true }
      throw new KilnError(ErrorCode.conflict, `trial ${a.trialId} still runs here as attempt ${existing.attempt}`)
    }
    const host = Object.assign(
      new TrialHost({
        nc: o.nc,
        layout,
        pool,
        nodeId,
        log,
        assignment: a,
        threads: slot.threads ?? 1,
        prepare,
        connection: threadConnection,
        processes,
        gpu: slot.kind === 'gpu',
        ...(o.checkpointEveryEpochs !== undefined ? { checkpointEveryEpochs: o.checkpointEveryEpochs } : {}),
        ...(o.checkpointEveryMs !== undefined ? { checkpointEveryMs: o.checkpointEveryMs } : {}),
        onEnd: () => {
          metrics.ended.inc()
          hosts.delete(key)
          // Tells the coordinator the slot is free now, without the registration write.
          beat(false)
        },
      }),
      { slotId: a.slotId },
    )
    hosts.set(key, host)
    metrics.started.inc()
    log('info', 'trial assigned', {
      trialId: a.trialId,
      attempt: a.attempt,
      slot: a.slotId,
      ...(a.worldSize ? { rank: a.rank ?? 0, worldSize: a.worldSize } : {}),
    })
    return { accepted: true }
  }

  const command = async (c: NodeCommand) => {
    switch (c.kind) {
      case 'assign':
        return assign(c.assignment)
      case 'cancel': {
        // Every rank of the trial on this node.
        const hs = [...hosts.values()].filter(
          (h) => h.trialId === c.trialId && (c.attempt === undefined || c.attempt === h.attempt),
        )
        for (const h of hs) h.stop('cancel', 10_000)
        return { cancelled: hs.length > 0 }
      }
      case 'drain':
        void agent.drain()
        return { draining: true }
      case 'ping':
        return { alive: true }
    }
  }

  // `refresh`: also rewrite this node's kiln_nodes entry, which expires unless refreshed
  // within the node TTL. Only the timer's beats do: each write is an fsync on the server,
  // and a beat per trial end would add one to every trial.
  const beat = (refresh: boolean) => {
    if (stopped) return
    const trials = [...hosts.values()].map((h) => ({
      trialId: h.trialId,
      epoch: h.epoch,
      attempt: h.attempt,
      ...(h.worldSize > 1 ? { rank: h.rank } : {}),
    }))
    try {
      o.nc.publish(
        Subjects.node.heartbeat(nodeId),
        encode(HeartbeatSchema, {
          v: 1,
          nodeId,
          at: Date.now(),
          load: loadavg()[0] ?? 0,
          busySlots: [...hosts.values()].map((h) => h.slotId),
          trials,
        }),
      )
    } catch (err) {
      log('warn', 'heartbeat not sent', { error: String((err as Error).message) })
    }
    if (refresh && !draining)
      layout.kv.nodes.put(nodeId, encode(NodeRegistrationSchema, registration)).catch(() => undefined)
  }

  const subs: Subscription[] = [
    serve(o.nc, Subjects.node.command(nodeId), NodeCommandSchema, command, {
      onError: (err) => log('error', 'command failed', { error: String((err as Error)?.message ?? err) }),
    }),
  ]
  await layout.kv.nodes.put(nodeId, encode(NodeRegistrationSchema, registration))
  const timer = setInterval(() => beat(true), layout.settings.heartbeatMs)
  beat(false)
  const fence = watchConnection(o.nc, layout.settings.nodeTtlMs, () => {
    log('warn', 'cut off from NATS longer than the node TTL; stopping trials (they are rescheduled elsewhere)', {})
    for (const h of hosts.values()) h.stop('fenced', 5000)
  })
  log('info', 'ready', { event: 'ready', slots: o.slots.map((s) => s.id), sandbox: sandbox.mode })

  const shutdown = async () => {
    stopped = true
    clearInterval(timer)
    fence.stop()
    for (const s of subs) s.unsubscribe()
    await layout.kv.nodes.delete(nodeId).catch(() => undefined)
    await pool.destroy().catch(() => undefined)
    await processes.close().catch(() => undefined)
    await metricsServer?.close()
  }

  const agent: WorkerAgent = {
    nodeId,
    registration,
    get draining() {
      return draining
    },
    metricsPort: metricsServer?.port,
    trialProcesses: () => ({ ready: processes.ready(), ...taken }),
    running: () =>
      [...hosts.values()].map((h) => ({ trialId: h.trialId, attempt: h.attempt, epoch: h.epoch, rank: h.rank })),
    drain: async (timeoutMs = 120_000) => {
      if (draining) return
      draining = true
      log('info', 'draining', { trials: hosts.size })
      const all = [...hosts.values()]
      for (const h of all) h.stop('drain', timeoutMs)
      await Promise.all(all.map((h) => h.done))
      await shutdown()
      log('info', 'drained', {})
    },
    stop: async () => {
      const all = [...hosts.values()]
      for (const h of all) h.stop('cancel', 2000)
      await Promise.race([Promise.all(all.map((h) => h.done)), new Promise((ok) => setTimeout(ok, 3000))])
      await shutdown()
    },
  }
  return agent
}

// Calls onCutOff when the connection has been down for `ms` without reconnecting.
function watchConnection(nc: NatsConnection, ms: number, onCutOff: () => void): { stop(): void } {
  let timer: NodeJS.Timeout | undefined
  let stopped = false
  void (async () => {
    for await (const s of nc.status()) {
      if (stopped) break
      if (s.type === 'disconnect' && !timer) timer = setTimeout(onCutOff, ms)
      if (s.type === 'reconnect' && timer) {
        clearTimeout(timer)
        timer = undefined
      }
    }
  })()
  return {
    stop: () => {
      stopped = true
      if (timer) clearTimeout(timer)
    },
  }
}
