// `kiln down`: stop the local cluster, keep its data.
import { downLocalCluster, readClusterFile } from '@kiln/local'
import { ExitCode } from '../exit-codes.js'
import type { CliIo } from '../io.js'
import { clusterEventPrinter } from './cluster-printer.js'
import { runLocalCommand } from './local-command.js'
import { clusterDirFor, thisKiln } from './up.js'

/** `kiln down --help`. */
export const DOWN_HELP = `Usage: kiln down [--json]

Stops the local cluster that kiln up started here (found through ./.kiln/cluster.json in
this folder or one above it): the gateway, then the workers, which drain (running trials are
checkpointed and handed back), then the coordinator, then nats-server. Each gets SIGTERM and
time to finish (workers 30 s, the others 10 s) before SIGKILL. JetStream data and credentials
stay in ./.kiln: kiln up starts the cluster again with all its jobs, models and datasets.

Options:
      --json   print one JSON object per line
  -h, --help   show this help

Exit status: 0 stopped or nothing was running, 2 bad flags, 1 anything else.
`

/** Runs `kiln down`; returns the exit status. */
export function downCommand(argv: string[], io: CliIo): Promise<number> {
  return runLocalCommand('kiln down', DOWN_HELP, {}, argv, io, async (_values, json) => {
    const dir = clusterDirFor(io)
    const info = readClusterFile(dir)
    const wasRunning = info
      ? await downLocalCluster(dir, { onEvent: clusterEventPrinter(io, json), supervisorMarker: thisKiln().marker })
      : false
    if (json) io.stdout.write(`${JSON.stringify({ event: 'down', dir, wasRunning })}\n`)
    else
      io.stdout.write(
        wasRunning
          ? `local cluster in ${dir} stopped (its data stays; kiln up starts it again)\n`
          : `no local cluster is running in ${dir}\n`,
      )
    return ExitCode.ok
  })
}
