// `kiln up`: a Kiln cluster on this machine (see @kiln/local); `--detach` returns once it is
// ready, otherwise it stays in the foreground, restarts what exits, and Ctrl-C stops it.
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { findClusterDir, KILN_DIR_NAME, superviseLocalCluster, upLocalCluster, type KilnCommand } from '@kiln/local'
import { ValidationError } from '@kiln/protocol'
import { ExitCode } from '../exit-codes.js'
import type { CliIo } from '../io.js'
import { UsageError } from '../usage-error.js'
import { clusterEventPrinter, clusterSummary } from './cluster-printer.js'
import { runLocalCommand } from './local-command.js'

/** `kiln up --help`. */
export const UP_HELP = `Usage: kiln up [--workers N] [--port P] [--no-gateway] [--detach] [--json]

Starts a Kiln cluster on this machine, or finds the one already running here: nats-server
with JetStream (data in ./.kiln/jetstream, a free port on 127.0.0.1, authorization on with
per-role credentials generated into ./.kiln/creds), then the coordinator, N workers and the
inference gateway. Every kiln command run in this folder or below it then uses this cluster
(./.kiln/cluster.json says where it is). A second kiln up finds it and restarts any of its
processes that died.

Options:
  -w, --workers N     worker processes (default 1; several share this machine's cores)
  -p, --port P        the gateway's HTTP port (default 8080, or a free port if it is taken)
      --nats-port P   nats-server's client port (default: the last one if free, else any)
      --no-gateway    run without the inference gateway
  -d, --detach        return once everything is ready, and leave it running
      --json          print one JSON object per line (events, then "up" with the cluster)
  -h, --help          show this help

Without --detach kiln up stays in the foreground, restarts processes that exit (a few
times), and Ctrl-C or kiln down stops everything. Logs: ./.kiln/logs/<process>.log.
kiln status shows the cluster; kiln down stops it and keeps its data.

Exit status: 0 running (or stopped by Ctrl-C), 2 bad flags, 1 anything else.
`

const FLAGS = {
  workers: { type: 'string', short: 'w' },
  port: { type: 'string', short: 'p' },
  'nats-port': { type: 'string' },
  'no-gateway': { type: 'boolean' },
  detach: { type: 'boolean', short: 'd' },
} as const

function intFlag(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ValidationError(`--${name}`, `an integer from ${min} to ${max}`, { got: JSON.stringify(value) })
  }
  return Number(value)
}

/**
 * How the cluster's processes run this same CLI: the compiled entry beside this file with
 * node alone, or (when this is the TypeScript source, under `pnpm kiln`) the source under tsx.
 */
export function thisKiln(): KilnCommand {
  const here = fileURLToPath(import.meta.url)
  const fromSource = here.endsWith('.ts')
  const main = join(here, '..', '..', fromSource ? 'main.ts' : 'main.js')
  return {
    command: process.execPath,
    args: fromSource ? ['--conditions=kiln-src', '--import', import.meta.resolve('tsx'), main] : [main],
    marker: main,
  }
}

/** The .kiln folder a cluster command in `io.cwd` uses. */
export function clusterDirFor(io: CliIo): string {
  return findClusterDir(io.cwd, io.env) ?? join(io.cwd, KILN_DIR_NAME)
}

/** Runs `kiln up`; returns the exit status. */
export function upCommand(argv: string[], io: CliIo): Promise<number> {
  return runLocalCommand('kiln up', UP_HELP, FLAGS, argv, io, async (values, json) => {
    const workers = intFlag('workers', values.workers, 0, 64) ?? 1
    const port = intFlag('port', values.port, 1, 65535)
    const natsPort = intFlag('nats-port', values['nats-port'], 1, 65535)
    if (values['no-gateway'] && port !== undefined)
      throw new UsageError("--port is the gateway's port; it makes no sense with --no-gateway")
    const pkg = createRequire(import.meta.url)('../../package.json') as { version: string }
    const up = await upLocalCluster({
      dir: clusterDirFor(io),
      workers,
      kiln: thisKiln(),
      kilnVersion: pkg.version,
      onEvent: clusterEventPrinter(io, json),
      env: io.env,
      gatewayPort: values['no-gateway'] ? false : port,
      ...(natsPort ? { natsPort } : {}),
      ...(values.detach ? {} : { supervisor: process.pid }),
    })
    if (json)
      io.stdout.write(`${JSON.stringify({ event: 'up', found: up.found, missing: up.missing, cluster: up.info })}\n`)
    else
      io.stdout.write(`local cluster ${up.found ? 'already running' : 'running'}:\n${clusterSummary(up.info, io.cwd)}`)
    if (values.detach || up.found) {
      up.detach()
      if (!json)
        io.stdout.write(up.found && !values.detach ? 'it runs detached; kiln down stops it\n' : 'kiln down stops it\n')
      return ExitCode.ok
    }
    return foreground(up, io, json)
  })
}

async function foreground(up: Awaited<ReturnType<typeof upLocalCluster>>, io: CliIo, json: boolean): Promise<number> {
  const supervision = superviseLocalCluster(up.info, up.started.values(), up.context)
  if (!json) io.stdout.write('Ctrl-C (or kiln down) stops it\n')
  let asked = 0
  const stop = () => {
    if (++asked > 1) process.exit(ExitCode.interrupted)
    if (!json)
      io.stdout.write('stopping (workers drain first; Ctrl-C again to quit at once and leave the rest to kiln down)\n')
    void supervision.stop()
  }
  const offInterrupt = io.onInterrupt(stop)
  process.on('SIGTERM', stop)
  try {
    const how = await supervision.done
    if (!json)
      io.stdout.write(
        how === 'stopped'
          ? 'local cluster stopped\n'
          : 'nats-server exited, so the cluster was stopped (see .kiln/logs/nats.log)\n',
      )
    return how === 'stopped' ? ExitCode.ok : ExitCode.failed
  } finally {
    offInterrupt()
    process.off('SIGTERM', stop)
  }
}
