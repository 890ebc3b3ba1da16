// `kiln coordinator` and `kiln worker`: long-running processes. Each prints one JSON line
// with "event":"ready" on stdout once it serves (kiln up waits for it), logs JSON lines on
// stderr, and on SIGTERM/SIGINT shuts down cleanly: the coordinator releases its lease so a
// standby takes over at once, the worker drains (checkpoints and hands back its trials).
import { resolve } from 'node:path'
import { ValidationError } from '@kiln/protocol'
import type { CliIo } from '../io.js'
import { runClusterCommand } from '../cluster-command.js'
import { workerIdentityFromFlags } from '../cluster-connect.js'

const COORDINATOR_HELP = `Usage: kiln coordinator [--nats URL] [--creds FILE] [--id ID]

Runs a coordinator: the cluster's API, placement and job state. Start two or more against
the same NATS for high availability: one leads, the others stand by and take over within
seconds when it dies.

Options:
  --nats URL     NATS server (default: $KILN_NATS_URL, else the local cluster of kiln up)
  --creds FILE   NATS credentials (default: $KILN_NATS_CREDS, else the local cluster's)
  --id ID        this coordinator's id in logs and the leader lease (default: random)
  --heartbeat MS node heartbeat interval the cluster uses (default 2000; all processes alike)
  --replicas N   JetStream replicas of every bucket and stream it creates (default 1; 3 on
                 a 3-node NATS cluster; existing streams are left as they are)
  --metrics-port N  serve Prometheus /metrics on 127.0.0.1:N (default: none)
  --gateway-url URL the gateway's HTTP address, where pipeline canaries count requests
  --cache DIR    where pipeline data steps fetch datasets (default: under the OS temp dir)
`

const WORKER_HELP = `Usage: kiln worker [--nats URL] [--creds NODE.creds] [--slots auto|N] [--gpus auto|none|LIST] [--name NAME]

Runs a node agent: announces this machine's slots, takes trials and runs them (builtin
models in threads, trial scripts in sandboxed processes), streams their metrics and logs,
stores checkpoints and models. SIGTERM drains: running trials are checkpointed and handed
back to run elsewhere. --creds is the node's own credential file from kiln node add NAME:
the node's id is NAME, and it can act only as that node.

Options:
  --slots auto|N          CPU slots (default auto: one per 4 cores, at least 1)
  --gpus auto|none|LIST   GPU slots: every GPU (auto), none, or device indices like 0,1
  --name NAME             node name shown by kiln nodes (default: the host name)
  --checkpoint-every N    checkpoint every N epochs (default 1)
  --cache DIR             where datasets and trial bundles are cached (default ~/.cache/kiln)
  --sandbox MODE          how script trials are confined: auto (default: the strongest this
                          machine allows), bwrap (bubblewrap namespaces, no network), user
                          (another OS user; root workers), none (docs/security.md)
  --heartbeat MS          heartbeat interval (default 2000; all processes alike)
  --metrics-port N        serve Prometheus /metrics on 127.0.0.1:N (default: none)
  --nats URL, --creds FILE  as for every cluster command
`

function intFlag(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value) || Number(value) < min)
    throw new ValidationError(`--${name}`, `an integer >= ${min}`, { got: JSON.stringify(value) })
  return Number(value)
}

// Resolves when the process is asked to stop.
function stopRequested(): Promise<string> {
  return new Promise((ok) => {
    process.once('SIGTERM', () => ok('SIGTERM'))
    process.once('SIGINT', () => ok('SIGINT'))
  })
}

/** `kiln coordinator`. */
export function coordinatorCommand(argv: string[], io: CliIo): Promise<number> {
  return runClusterCommand(
    {
      name: 'kiln coordinator',
      help: COORDINATOR_HELP,
      role: 'coordinator',
      flags: {
        id: { type: 'string' },
        heartbeat: { type: 'string' },
        replicas: { type: 'string' },
        'metrics-port': { type: 'string' },
        'gateway-url': { type: 'string' },
        cache: { type: 'string' },
      },
      run: async ({ nc, flags }) => {
        const { startCoordinator } = await import('@kiln/coordinator')
        const heartbeatMs = intFlag('heartbeat', flags.heartbeat as string | undefined, 50)
        const replicas = intFlag('replicas', flags.replicas as string | undefined, 1)
        const layout = { ...(heartbeatMs ? { heartbeatMs } : {}), ...(replicas ? { replicas } : {}) }
        const metricsPort = intFlag('metrics-port', flags['metrics-port'] as string | undefined, 0)
        // Ready means the election has been decided: a leader's API answers once it says so
        // (kiln up returns on this line, and `kiln status` right after must find it).
        let decided!: (role: 'leader' | 'standby') => void
        const role = new Promise<'leader' | 'standby'>((ok) => {
          decided = ok
        })
        const coordinator = await startCoordinator({
          nc,
          onRole: (r) => decided(r),
          ...(flags.id ? { id: flags.id as string } : {}),
          layout,
          ...(metricsPort !== undefined ? { metricsPort } : {}),
          ...(flags['gateway-url'] ? { gatewayUrl: flags['gateway-url'] as string } : {}),
          ...(flags.cache ? { cacheDir: resolve(io.cwd, flags.cache as string) } : {}),
        })
        const ended = Promise.race([stopRequested(), nc.closed()]).then(() => undefined)
        const first = await Promise.race([role, ended])
        if (first) {
          io.stdout.write(
            `${JSON.stringify({ event: 'ready', component: 'coordinator', id: coordinator.id, role: first })}\n`,
          )
          await ended
        }
        await coordinator.stop()
      },
    },
    argv,
    io,
  )
}

/**
 * Why a worker that was asked for GPUs offers none: an addon built without CUDA would
 * otherwise silently offer 0 GPU slots. Undefined when nothing is wrong or none were asked for.
 */
export function gpuWarning(
  gpus: 'auto' | 'none' | number[],
  cuda: { compiled: boolean; devices: number; reason: string },
): string | undefined {
  if (gpus === 'none') return undefined
  const asked = gpus === 'auto' ? '--gpus auto' : `--gpus ${gpus.join(',')}`
  if (!cuda.compiled)
    return `${asked}, but the native addon was built without CUDA (nvcc was not found when it was built), so this node offers no GPU slots. Install the CUDA toolkit, then rebuild: KILN_CUDA=ON pnpm build:native (kiln --version shows what the addon has)`
  if (cuda.devices === 0)
    return `${asked}, but no GPU can be used: ${cuda.reason || 'no CUDA device found'}; this node offers no GPU slots`
  return undefined
}

/** `kiln worker`. */
export function workerCommand(argv: string[], io: CliIo): Promise<number> {
  return runClusterCommand(
    {
      name: 'kiln worker',
      help: WORKER_HELP,
      role: 'worker',
      flags: {
        slots: { type: 'string' },
        gpus: { type: 'string' },
        name: { type: 'string' },
        'checkpoint-every': { type: 'string' },
        heartbeat: { type: 'string' },
        cache: { type: 'string' },
        sandbox: { type: 'string' },
        'metrics-port': { type: 'string' },
      },
      run: async ({ nc, flags }) => {
        const { startWorker, discoverSlots, parseSlotsFlag, parseGpusFlag, chooseSandbox } = await import(
          '@kiln/worker'
        )
        const sandbox = chooseSandbox((flags.sandbox as 'auto' | undefined) ?? 'auto')
        const { cudaInfo, threads } = await import('@kiln/native')
        const gpus = parseGpusFlag(flags.gpus as string | undefined)
        const cuda = cudaInfo()
        // Only when GPUs were asked for: a CPU node's default --gpus auto is not a mistake.
        const warning = flags.gpus === undefined ? undefined : gpuWarning(gpus, cuda)
        if (warning) io.stderr.write(`kiln worker: warning: ${warning}\n`)
        const slots = discoverSlots({
          slots: parseSlotsFlag(flags.slots as string | undefined),
          gpus,
          deviceCount: cuda.devices,
        })
        const heartbeatMs = intFlag('heartbeat', flags.heartbeat as string | undefined, 50)
        const every = intFlag('checkpoint-every', flags['checkpoint-every'] as string | undefined, 1)
        const metricsPort = intFlag('metrics-port', flags['metrics-port'] as string | undefined, 0)
        const identity = await workerIdentityFromFlags(flags as { nats?: string; creds?: string }, io)
        const worker = await startWorker({
          nc,
          slots,
          threadConnection: identity.connection,
          sandbox,
          // A script trial starts in a process already loaded for its slot.
          prestartTrials: true,
          // A node identity (kiln node add) may act only as its own node.
          ...(identity.nodeId ? { nodeId: identity.nodeId } : {}),
          ...(flags.name ? { name: flags.name as string } : {}),
          ...(heartbeatMs ? { layout: { heartbeatMs } } : {}),
          ...(every ? { checkpointEveryEpochs: every } : {}),
          ...(flags.cache ? { cacheDir: resolve(io.cwd, flags.cache as string) } : {}),
          ...(metricsPort !== undefined ? { metricsPort, kernelThreads: threads } : {}),
        })
        io.stdout.write(
          `${JSON.stringify({
            event: 'ready',
            component: 'worker',
            nodeId: worker.nodeId,
            slots: slots.map((s) => s.id),
          })}\n`,
        )
        await Promise.race([stopRequested(), nc.closed()])
        await worker.drain()
      },
    },
    argv,
    io,
  )
}
