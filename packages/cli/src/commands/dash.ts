// `kiln dash`: the Ink dashboard of the cluster (see @kiln/dashboard).
import { existsSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { CliIo } from '../io.js'
import { runClusterCommand } from '../cluster-command.js'
import { ExitCode } from '../exit-codes.js'
import { UsageError } from '../usage-error.js'

const HELP = `Usage: kiln dash [--gateway URL] [--specs DIR] [--view NAME] [--record FILE]
       kiln dash --snapshot FILE

A live terminal dashboard of the cluster: worker nodes and their slots, sweeps and jobs with
their trials and loss/accuracy charts, a launcher for specs, endpoints with traffic,
latency and drift (promote, roll back), and trial logs. Keys: tab or 1-5 switch views,
arrows and Enter select, ? help, q quits. Needs a terminal (80x24 or larger).

Options:
  --gateway URL     the inference gateway for req/s and latency (default: the local
                    cluster's, or $KILN_GATEWAY_URL)
  --specs DIR       where Launch lists specs (default ./examples when it exists, else .)
  --view NAME       start in cluster, runs, launch, endpoints or logs
  --record FILE     on exit, write what the dashboard knew as JSON (a recording)
  --snapshot FILE   no screen: read the cluster once (records, metrics, logs) into FILE
  --nats URL, --creds FILE   the cluster (default: $KILN_NATS_URL, else the local one)
`

const VIEWS = ['cluster', 'runs', 'launch', 'endpoints', 'logs'] as const

async function gatewayUrl(flag: string | undefined, io: CliIo): Promise<string | undefined> {
  if (flag) return flag
  if (io.env.KILN_GATEWAY_URL) return io.env.KILN_GATEWAY_URL
  try {
    const { findClusterDir, readClusterFile } = await import('@kiln/local')
    const dir = findClusterDir(io.cwd, io.env)
    return dir ? readClusterFile(dir)?.gatewayUrl : undefined
  } catch {
    // No readable local cluster: the Endpoints view says how to name a gateway.
    return undefined
  }
}

/**
 * Ink reads CI / CONTINUOUS_INTEGRATION once, when it loads, and in "CI mode" draws nothing
 * until the app exits: an interactive dashboard on a real terminal would stay blank wherever
 * those are set (CI runners, some cloud shells, a tmux server started from one). The dashboard
 * needs a terminal anyway, so on one it always draws live frames.
 */
function leaveInkCiMode(): void {
  // Deleted, not set to 'false': supports-color (chalk, which draws the selected row inverse)
  // turns colours off when CI is present at all, whatever its value.
  for (const key of ['CI', 'CONTINUOUS_INTEGRATION']) delete process.env[key]
}

/** `kiln dash`. */
export function dashCommand(argv: string[], io: CliIo): Promise<number> {
  return runClusterCommand(
    {
      name: 'kiln dash',
      help: HELP,
      flags: {
        gateway: { type: 'string' },
        specs: { type: 'string' },
        view: { type: 'string' },
        record: { type: 'string' },
        snapshot: { type: 'string' },
      },
      run: async ({ nc, flags }) => {
        const view = flags.view as string | undefined
        if (view !== undefined && !(VIEWS as readonly string[]).includes(view))
          throw new UsageError(`--view: expected one of ${VIEWS.join(', ')}, got ${JSON.stringify(view)}`)
        const gateway = await gatewayUrl(flags.gateway as string | undefined, io)
        if (!flags.snapshot && io.stdout.isTTY) leaveInkCiMode()
        const dashboard = await import('@kiln/dashboard')
        if (flags.snapshot) {
          const recording = await dashboard.recordCluster(nc, gateway ? { gatewayUrl: gateway } : {})
          writeFileSync(resolve(io.cwd, flags.snapshot as string), `${JSON.stringify(recording, null, 1)}\n`)
          io.stdout.write(
            `wrote ${flags.snapshot}: ${recording.nodes.length} nodes, ${recording.jobs.length} jobs, ${recording.sweeps.length} sweeps, ${recording.trials.length} trials, ${recording.endpoints.length} endpoints\n`,
          )
          return ExitCode.ok
        }
        if (!io.stdout.isTTY)
          throw new UsageError(
            'kiln dash needs a terminal (stdout is not one); kiln nodes, kiln jobs and kiln endpoint list print the same as text',
          )
        const examples = join(io.cwd, 'examples')
        const specDir = flags.specs ? resolve(io.cwd, flags.specs as string) : existsSync(examples) ? examples : io.cwd
        const { prepareSubmission } = await import('../submission.js')
        const recording = await dashboard.runDashboard({
          nc,
          specDir,
          server: nc.getServer(),
          prepare: (path, sets) => prepareSubmission(nc, path, sets),
          ...(gateway ? { gatewayUrl: gateway } : {}),
          ...(view ? { initialView: view as (typeof VIEWS)[number] } : {}),
        })
        if (flags.record)
          writeFileSync(resolve(io.cwd, flags.record as string), `${JSON.stringify(recording, null, 1)}\n`)
        return ExitCode.ok
      },
    },
    argv,
    io,
  )
}
