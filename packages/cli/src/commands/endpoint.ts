// `kiln endpoint list|traffic|promote|rollback`: inspect and steer endpoints.
import type { CliIo } from '../io.js'
import { runClusterCommand } from '../cluster-command.js'
import { ExitCode } from '../exit-codes.js'
import { UsageError } from '../usage-error.js'
import { formatEndpoint, formatEndpointDetail } from './endpoint-format.js'

const HELP = `Usage: kiln endpoint list [ENDPOINT] [--json]
       kiln endpoint show ENDPOINT [--json]
       kiln endpoint traffic ENDPOINT VARIANT=WEIGHT ... [--json]
       kiln endpoint promote ENDPOINT VARIANT [--json]
       kiln endpoint rollback ENDPOINT [--to REVISION] [--json]

  list      every endpoint with its variants and traffic shares
  show      one endpoint: variants and shares, its revisions, and per variant the last
            minute's req/s, errors, p50/p99 latency and live accuracy (every gateway replica)
  traffic   set variant weights (shares are weight / sum of weights), e.g. fashion-v1=90 fashion-v2=10
  promote   make VARIANT the only variant (all traffic, shadow removed)
  rollback  return to the previous revision (or --to REVISION); every change is a revision
  --nats URL, --creds FILE   the cluster (default: $KILN_NATS_URL, else the local one)
`

function parseWeights(pairs: string[]): Record<string, number> {
  if (pairs.length === 0)
    throw new UsageError('kiln endpoint traffic: expected VARIANT=WEIGHT pairs after the endpoint')
  const out: Record<string, number> = {}
  for (const pair of pairs) {
    const m = /^([A-Za-z0-9_-]{1,128})=(.+)$/.exec(pair)
    const w = m ? Number(m[2]) : Number.NaN
    if (!m || !Number.isFinite(w) || w < 0)
      throw new UsageError(`traffic: expected VARIANT=WEIGHT with a weight >= 0, got ${JSON.stringify(pair)}`)
    out[m[1]!] = w
  }
  return out
}

/** `kiln endpoint ...`. */
export function endpointCommand(argv: string[], io: CliIo): Promise<number> {
  return runClusterCommand(
    {
      name: 'kiln endpoint',
      help: HELP,
      positionals: [1, 64],
      flags: { to: { type: 'string' }, json: { type: 'boolean' } },
      run: async ({ nc, flags, args, io: out }) => {
        const [op, endpoint, ...rest] = args
        const { EndpointsClient } = await import('@kiln/client')
        const client = new EndpointsClient(nc)
        const need = (n: number, usage: string) => {
          if (endpoint === undefined || rest.length < n - 1 || (n === 2 && rest.length !== 1))
            throw new UsageError(`expected ${usage} (see kiln endpoint --help)`)
        }
        let records: Awaited<ReturnType<typeof client.list>>
        if (op === 'show') {
          need(1, 'kiln endpoint show ENDPOINT')
          const record = (await client.list(endpoint))[0]!
          const { endpointTraffic } = await import('@kiln/client')
          const traffic = await endpointTraffic(nc, endpoint!)
          out.stdout.write(
            flags.json
              ? `${JSON.stringify({ event: 'endpoint', endpoint: record, traffic })}\n`
              : formatEndpointDetail(record, traffic),
          )
          return ExitCode.ok
        }
        if (op === 'list') records = await client.list(endpoint)
        else if (op === 'traffic') {
          need(1, 'kiln endpoint traffic ENDPOINT VARIANT=WEIGHT ...')
          records = [await client.traffic(endpoint!, parseWeights(rest))]
        } else if (op === 'promote') {
          need(2, 'kiln endpoint promote ENDPOINT VARIANT')
          records = [await client.promote(endpoint!, rest[0]!)]
        } else if (op === 'rollback') {
          need(1, 'kiln endpoint rollback ENDPOINT [--to REVISION]')
          const to = flags.to as string | undefined
          if (to !== undefined && !/^[1-9]\d{0,8}$/.test(to))
            throw new UsageError(`--to: expected a revision number >= 1, got ${JSON.stringify(to)}`)
          records = [await client.rollback(endpoint!, to === undefined ? undefined : Number(to))]
        } else
          throw new UsageError(
            `kiln endpoint: expected list, show, traffic, promote or rollback, got ${JSON.stringify(op)}`,
          )
        if (flags.json)
          for (const r of records) out.stdout.write(`${JSON.stringify({ event: 'endpoint', endpoint: r })}\n`)
        else
          out.stdout.write(
            records.length ? records.map(formatEndpoint).join('\n') : 'no endpoints (kiln deploy MODEL creates one)\n',
          )
        return ExitCode.ok
      },
    },
    argv,
    io,
  )
}
