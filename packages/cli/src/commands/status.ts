// `kiln status`: the local cluster from cluster.json, whether its processes live, and live
// checks over NATS with the client credentials.
import { pidAlive, probeCluster, readClusterFile, type ClusterProbe, type Check } from '@kiln/local'
import { connectKiln } from '@kiln/client'
import { ExitCode } from '../exit-codes.js'
import type { CliIo } from '../io.js'
import { clusterSummary } from './cluster-printer.js'
import { runLocalCommand } from './local-command.js'
import { clusterDirFor } from './up.js'

/** `kiln status --help`. */
export const STATUS_HELP = `Usage: kiln status [--json]

Shows the local cluster that kiln up started here: its NATS URL, credential files and
processes (running or not), and live checks: NATS answers, the coordinator answers
kiln.api.status, which worker nodes are registered, the gateway's /v2/health/ready.

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
      } finally {
        await nc.close()
      }
    }
    if (json) {
      io.stdout.write(`${JSON.stringify({ dir, running, cluster: info ?? null, processes, probe: probe ?? null })}\n`)
    } else if (!info || !running) {
      io.stdout.write(
        `no local cluster is running in ${dir}${info?.stopped ? ` (stopped ${info.stopped})` : ''}; kiln up starts one\n`,
      )
    } else {
      io.stdout.write(`local cluster (started ${info.started}):\n${clusterSummary(info, io.cwd)}`)
      for (const p of processes)
        io.stdout.write(
          `  ${p.name.padEnd(12)} pid ${String(p.pid).padEnd(8)} ${p.running ? 'running' : 'NOT RUNNING (see its log)'}\n`,
        )
      io.stdout.write(
        `  check nats         ${checkText(probe?.nats)}\n  check coordinator  ${checkText(probe?.coordinator)}\n`,
      )
      io.stdout.write(
        `  check nodes        ${probe?.nodes.ok ? `${probe.nodes.ids.length} registered${probe.nodes.ids.length ? `: ${probe.nodes.ids.join(', ')}` : ''}` : `FAILED: ${probe?.nodes.ok === false ? probe.nodes.error : '?'}`}\n`,
      )
      if (info.gatewayUrl) io.stdout.write(`  check gateway      ${checkText(probe?.gateway)}\n`)
    }
    return running ? ExitCode.ok : ExitCode.failed
  })
}
