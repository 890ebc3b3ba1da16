// `kiln status`: the local cluster from cluster.json, whether its processes live, and live
// checks over NATS with the client credentials.
import { pidAlive, probeCluster, readClusterFile, type ClusterProbe, type Check } from '@kiln/local'
import { connectKiln } from '@kiln/client'
import { ExitCode } from '../exit-codes.js'
import type { CliIo } from '../io.js'
import { readOverview, overviewLines, type ClusterOverview } from './cluster-overview.js'
import { clusterSummary } from './cluster-printer.js'
import { runLocalCommand } from './local-command.js'
import { clusterDirFor } from './up.js'

/** `kiln status --help`. */
export const STATUS_HELP = `Usage: kiln status [--json]

Shows the local cluster that kiln up started here, once: its NATS URL, credential files and
processes (each running or not), live checks (NATS, the coordinator, the gateway's
/v2/health/ready), then the nodes with their free and busy slots, jobs by state and the
gateway's endpoints, with totals.

Options:
      --json   print one JSON object
  -h, --help   show this help

Exit status: 0 running, 1 not running (or a check failed to run), 2 bad flags.
`

const checkText = (c: Check | undefined) =>
  !c ? 'not configured' : c.ok ? `ok (${c.ms} ms${c.detail ? `, ${c.detail}` : ''})` : `FAILED: ${c.error}`

/** Runs `kiln status`; returns the exit status. */
export function statusCommand(argv: string[], io: CliIo): Promise<number> {
  return runLocalCommand('kiln status', STATUS_HELP, {}, argv, io, async (_values, json) => {
    const dir = clusterDirFor(io)
    const info = readClusterFile(dir)
    const processes = (info?.processes ?? []).map((p) => ({
      name: p.name,
      pid: p.pid,
      running: pidAlive(p.pid, p.marker),
      log: p.log,
    }))
    const running = processes.some((p) => p.name === 'nats' && p.running)
    let probe: ClusterProbe | undefined
    let overview: ClusterOverview | undefined
    if (info && running) {
      const nc = await connectKiln({
        nats: info.url,
        ...(info.creds.client ? { creds: info.creds.client } : {}),
        env: {},
        cwd: io.cwd,
        name: 'kiln status',
      })
      try {
        probe = await probeCluster(nc, info)
        overview = probe.coordinator.ok ? await readOverview(nc) : undefined
      } finally {
        await nc.close()
      }
    }
    if (json) {
      io.stdout.write(
        `${JSON.stringify({ dir, running, cluster: info ?? null, processes, probe: probe ?? null, overview: overview ?? null })}\n`,
      )
    } else if (!info || !running) {
      io.stdout.write(
        `no local cluster is running in ${dir}${info?.stopped ? ` (stopped ${info.stopped})` : ''}; kiln up starts one\n`,
      )
    } else {
      const alive = new Map(processes.map((p) => [p.name, p.running]))
      io.stdout.write(`local cluster (started ${info.started}):\n${clusterSummary(info, io.cwd, alive)}`)
      const checks = [
        `nats         ${checkText(probe?.nats)}`,
        `coordinator  ${checkText(probe?.coordinator)}`,
        ...(info.gatewayUrl ? [`gateway      ${checkText(probe?.gateway)}`] : []),
      ]
      io.stdout.write(`checks\n${checks.map((l) => `  ${l}\n`).join('')}`)
      if (overview) io.stdout.write(`${overviewLines(overview).join('\n')}\n`)
    }
    return running ? ExitCode.ok : ExitCode.failed
  })
}
