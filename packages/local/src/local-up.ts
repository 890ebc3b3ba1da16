// `kiln up`: find the local cluster in a .kiln folder, or start one: nats-server with
// JetStream and per-role users, the JetStream layout, then the coordinator, the workers
// and the gateway, each once the ones before it are ready.
import { availableParallelism } from 'node:os'
import { join, resolve, dirname } from 'node:path'
import { connect } from '@nats-io/transport-node'
import { ensureLayout } from '@kiln/cluster-state'
import {
  CLUSTER_FILE_FORMAT,
  readClusterFile,
  writeClusterFile,
  type ClusterFile,
  type ClusterProcess,
} from './cluster-file.js'
import { generateRoleUsers, type RoleUser } from './credentials.js'
import type { OnClusterEvent } from './events.js'
import { defaultKilnCommand, type KilnCommand } from './kiln-process.js'
import { lockDir } from './lock.js'
import { NATS_MARKER, startNatsServer } from './nats-process.js'
import { freePort, portFree } from './net-probe.js'
import { issueLocalWorkers, localNatsOptions, localNodeUsers } from './local-nodes.js'
import { localWorkerName, planProcesses } from './process-plan.js'
import { pidAlive } from './process-control.js'
import { ensurePrivateDir } from './private-dir.js'
import { startKilnProcess, type StartContext, type StartOutcome } from './start-kiln-process.js'
import { markStopped, stopClusterProcesses } from './stop-cluster.js'
import { restartDead } from './restart-dead.js'
import { LocalClusterError, LocalFailure } from './errors.js'

export interface UpOptions {
  /** The .kiln folder. */
  dir: string
  workers?: number
  /** The gateway's HTTP port; `false`: no gateway. Default 8080, or a free port when 8080 is taken. */
  gatewayPort?: number | false
  /** Gateways serving the cluster, each on its own port (the first on gatewayPort); default 1. */
  gateways?: number
  /** nats-server's client port; default: the previous run's if free, else any free port. */
  natsPort?: number
  kiln?: KilnCommand
  /** How long each process may take to print its ready line (default 120 s). */
  readyTimeoutMs?: number
  /** pid of the foreground `kiln up` that will supervise the processes; absent when detached. */
  supervisor?: number
  kilnVersion?: string
  env?: NodeJS.ProcessEnv
  onEvent?: OnClusterEvent
}

/** What `kiln up` found or started. */
export interface UpResult {
  info: ClusterFile
  /** The cluster was already running (nothing new started, except dead processes restarted). */
  found: boolean
  /** Processes this build of the CLI has no command for. */
  missing: string[]
  /** Kiln processes this call started, by name. */
  started: Map<string, Extract<StartOutcome, { kind: 'ready' }>>
  /** How processes are started (for superviseLocalCluster). */
  context: StartContext
  /** Lets this process exit while the cluster runs on. */
  detach(): void
}

const DEFAULT_GATEWAY_PORT = 8080

function natsAlive(info: ClusterFile): boolean {
  const nats = info.processes.find((p) => p.role === 'nats')
  return nats !== undefined && pidAlive(nats.pid, nats.marker)
}

function portOf(url: string | undefined): number | undefined {
  const port = url ? Number(/:(\d+)\/?$/.exec(url)?.[1]) : NaN
  return Number.isInteger(port) && port > 0 ? port : undefined
}

async function gatewayPortFor(o: UpOptions): Promise<number | undefined> {
  if (o.gatewayPort === false) return undefined
  if (o.gatewayPort !== undefined) {
    if (!(await portFree(o.gatewayPort)))
      throw new LocalClusterError(
        LocalFailure.processStart,
        `--port ${o.gatewayPort}: expected a free port, but something listens there`,
      )
    return o.gatewayPort
  }
  return (await portFree(DEFAULT_GATEWAY_PORT)) ? DEFAULT_GATEWAY_PORT : freePort()
}

// The first gateway's port, then for each further one the next port up when it is free, else
// any free port.
async function gatewayPortsFor(o: UpOptions): Promise<number[]> {
  const first = await gatewayPortFor(o)
  if (first === undefined) return []
  const ports = [first]
  for (let i = 1; i < (o.gateways ?? 1); i++) {
    const next = ports[ports.length - 1]! + 1
    ports.push(next <= 65535 && (await portFree(next)) ? next : await freePort())
  }
  return ports
}

// Created here, by the admin user, before any role starts: only the coordinator and admin
// may create streams, and a worker or client started first must still find the layout.
async function ensureLayoutAs(url: string, admin: RoleUser): Promise<void> {
  const nc = await connect({ servers: url, user: admin.user, pass: admin.password, timeout: 5000, name: 'kiln up' })
  try {
    await ensureLayout(nc)
  } finally {
    await nc.close()
  }
}

/** Starts the local cluster in `o.dir`, or finds the one running there. */
export async function upLocalCluster(o: UpOptions): Promise<UpResult> {
  const dir = resolve(o.dir)
  ensurePrivateDir(dir)
  const unlock = lockDir(dir, 'up')
  try {
    const existing = readClusterFile(dir)
    const ctx: StartContext = {
      kiln: o.kiln ?? defaultKilnCommand(),
      logsDir: join(dir, 'logs'),
      cwd: dirname(dir),
      readyTimeoutMs: o.readyTimeoutMs ?? 120_000,
      onEvent: o.onEvent ?? (() => {}),
      ...(o.env ? { env: o.env } : {}),
    }
    if (existing && natsAlive(existing))
      return withDetach({ info: await restartDead(existing, ctx), found: true, missing: [], started: new Map() }, ctx)
    // Leftovers of a cluster whose nats-server died are of no use: stop them, start afresh.
    if (existing) await stopClusterProcesses(existing)
    return withDetach(await startFresh(dir, o, ctx, existing), ctx)
  } finally {
    unlock()
  }
}

type UpParts = Omit<UpResult, 'detach' | 'context'>

function withDetach(r: UpParts, context: StartContext): UpResult {
  return {
    ...r,
    context,
    detach: () => {
      for (const s of r.started.values()) s.spawned.child.unref()
    },
  }
}

async function startFresh(
  dir: string,
  o: UpOptions,
  ctx: StartContext,
  previous: ClusterFile | undefined,
): Promise<UpParts> {
  ensurePrivateDir(ctx.logsDir)
  const users = generateRoleUsers(dir)
  const creds = Object.fromEntries(users.map((u) => [u.role, u.file]))
  // Each worker its own identity (kiln node add makes more); nodes added by hand stay valid.
  const workerCount = o.workers ?? 1
  const workerCreds = issueLocalWorkers(
    dir,
    Array.from({ length: workerCount }, (_, i) => localWorkerName(i + 1)),
  )
  const previousPort = portOf(previous?.url)
  const natsPort = o.natsPort ?? (previousPort && (await portFree(previousPort)) ? previousPort : undefined)
  ctx.onEvent({ event: 'starting', name: 'nats' })
  const t0 = Date.now()
  const nats = await startNatsServer({
    ...localNatsOptions(dir, [...users, ...localNodeUsers(dir)]),
    logFile: join(ctx.logsDir, 'nats.log'),
    detached: true,
    ...(natsPort ? { port: natsPort } : {}),
    ...(o.env ? { env: o.env } : {}),
  })
  nats.detach()
  ctx.onEvent({ event: 'ready', name: 'nats', pid: nats.pid, ms: Date.now() - t0 })
  const info: ClusterFile = {
    format: CLUSTER_FILE_FORMAT,
    dir,
    url: nats.url,
    creds,
    started: new Date().toISOString(),
    versions: { kiln: o.kilnVersion ?? 'unknown', natsServer: nats.version.join('.'), node: process.version },
    ...(o.supervisor !== undefined ? { supervisor: o.supervisor } : {}),
    processes: [
      {
        name: 'nats',
        role: 'nats',
        pid: nats.pid,
        marker: NATS_MARKER,
        log: nats.logFile,
        started: new Date(t0).toISOString(),
      },
    ],
  }
  // Written before anything else starts, so `kiln down` can clean up after a failed start.
  writeClusterFile(info)
  const started = new Map<string, Extract<StartOutcome, { kind: 'ready' }>>()
  const missing: string[] = []
  try {
    await ensureLayoutAs(nats.url, users.find((u) => u.role === 'admin')!)
    const gatewayPorts = await gatewayPortsFor(o)
    if (gatewayPorts.length > 0) info.gatewayUrl = `http://127.0.0.1:${gatewayPorts[0]}`
    if (gatewayPorts.length > 1) info.gatewayUrls = gatewayPorts.map((port) => `http://127.0.0.1:${port}`)
    const groups = planProcesses({
      url: nats.url,
      creds,
      workerCreds,
      workers: workerCount,
      gatewayPorts,
      cpus: availableParallelism(),
    })
    const record = (entry: ClusterProcess) => {
      info.processes.push(entry)
      writeClusterFile(info)
    }
    for (const group of groups) {
      const outcomes = await Promise.allSettled(group.map((plan) => startKilnProcess(plan, ctx, record)))
      for (const r of outcomes) {
        if (r.status === 'rejected') continue
        if (r.value.kind === 'ready') started.set(r.value.plan.name, r.value)
        else {
          missing.push(r.value.plan.name)
          info.processes = info.processes.filter((p) => p.name !== r.value.plan.name)
        }
      }
      writeClusterFile(info)
      const failed = outcomes.find((r): r is PromiseRejectedResult => r.status === 'rejected')
      if (failed) throw failed.reason
    }
    if (missing.includes('gateway')) {
      delete info.gatewayUrl
      delete info.gatewayUrls
    }
    writeClusterFile(info)
    return { info, found: false, missing, started }
  } catch (err) {
    await stopClusterProcesses(info, ctx.onEvent)
    markStopped(info)
    throw err
  }
}
