// Which kiln processes a local cluster runs, with which flags, in which order.
import { availableParallelism } from 'node:os'
import type { Role } from './roles.js'

/** The node id of `kiln up`'s worker number `i` (from 1): also its node identity's name. */
export function localWorkerName(i: number): string {
  return `worker-${i}`
}

/** The name of `kiln up`'s gateway number `i` (from 1): `gateway`, then `gateway-2`, ... */
export function gatewayName(i: number): string {
  return i === 1 ? 'gateway' : `gateway-${i}`
}

/** The health check a gateway on local `port` is ready by (it prints no ready line). */
export function gatewayReadyUrl(port: number): string {
  return `http://127.0.0.1:${port}/v2/health/ready`
}

/** The port a gateway's `kiln gateway ... --port P` arguments name; undefined without one. */
export function gatewayPortOf(args: readonly string[]): number | undefined {
  const i = args.indexOf('--port')
  const port = i >= 0 ? Number(args[i + 1]) : Number.NaN
  return Number.isInteger(port) && port > 0 ? port : undefined
}

/** One kiln process to run: `kiln <args>`. */
export interface PlannedProcess {
  name: string
  role: Role
  args: string[]
  /** Also ready once this URL answers 200, for a process that prints no ready line. */
  readyUrl?: string
}

export interface PlanOptions {
  url: string
  creds: Partial<Record<Role, string>>
  /** Each worker's own node credential file, in order (`worker-1` first). */
  workerCreds?: readonly string[]
  workers: number
  /** The gateway's HTTP port; none: no gateway. */
  gatewayPort?: number
  /** Several gateways serving one cluster (`kiln up --gateways N`), one port each; wins over gatewayPort. */
  gatewayPorts?: readonly number[]
  cpus?: number
}

// A worker drains on SIGTERM (checkpoints its trials and hands them back), which takes longer.
const WORKER_GRACE_MS = 30_000
const GRACE_MS = 10_000

function connection(url: string, creds: string | undefined): string[] {
  return ['--nats', url, ...(creds ? ['--creds', creds] : [])]
}

/**
 * The processes in start order, grouped: each group starts once the one before is ready
 * (the coordinator first, then the workers and the gateway together).
 */
export function planProcesses(o: PlanOptions): PlannedProcess[][] {
  const coordinator: PlannedProcess = {
    name: 'coordinator',
    role: 'coordinator',
    args: [
      'coordinator',
      ...connection(o.url, o.creds.coordinator),
      // Pipeline canaries count the gateway's requests on its /metrics.
      ...(o.gatewayPort === undefined ? [] : ['--gateway-url', `http://127.0.0.1:${o.gatewayPort}`]),
    ],
  }
  // Several workers on one machine share its cores rather than each claiming all of them.
  const slots =
    o.workers > 1 ? ['--slots', String(Math.max(1, Math.floor((o.cpus ?? availableParallelism()) / o.workers)))] : []
  const workers = Array.from(
    { length: o.workers },
    (_, i): PlannedProcess => ({
      name: localWorkerName(i + 1),
      role: 'worker',
      args: [
        'worker',
        ...connection(o.url, o.workerCreds?.[i] ?? o.creds.worker),
        '--name',
        localWorkerName(i + 1),
        ...slots,
      ],
    }),
  )
  const ports = o.gatewayPorts ?? (o.gatewayPort === undefined ? [] : [o.gatewayPort])
  const gateway = ports.map(
    (port, i): PlannedProcess => ({
      name: gatewayName(i + 1),
      role: 'gateway',
      args: ['gateway', ...connection(o.url, o.creds.gateway), '--port', String(port)],
      readyUrl: gatewayReadyUrl(port),
    }),
  )
  return [[coordinator], [...workers, ...gateway]]
}

/** The order processes stop in: the reverse of starting, nats last. */
export const STOP_ORDER: readonly (Role | 'nats')[] = ['gateway', 'worker', 'coordinator', 'client', 'admin', 'nats']

/** How long `kiln down` waits after SIGTERM before SIGKILL, by role. */
export function graceFor(role: Role | 'nats'): number {
  return role === 'worker' ? WORKER_GRACE_MS : GRACE_MS
}
