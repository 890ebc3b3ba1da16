// `kiln deploy MODEL[@VERSION|@ALIAS]`: put a registered model version behind an endpoint.
import type { CliIo } from '../io.js'
import { collectApiKeys } from '../api-keys.js'
import { runClusterCommand } from '../cluster-command.js'
import { ExitCode } from '../exit-codes.js'
import { UsageError } from '../usage-error.js'
import { formatEndpoint } from './endpoint-format.js'

const HELP = `Usage: kiln deploy MODEL[@VERSION|@ALIAS] [--endpoint E] [--weight W | --shadow RATE] [--variant V]
                   [--capture RATE] [--new-signature] [--api-key-file FILE] [--json]

Puts MODEL (the latest registered version, VERSION, or the version ALIAS names) behind
endpoint E (default: MODEL). With @ALIAS the variant follows the alias: when
kiln models alias moves it, the endpoint rolls to the new version (a new revision).
Under kiln models require-approval on, only approved versions deploy.
A new endpoint serves only it. On an existing endpoint it replaces every variant (a rollout;
kiln endpoint rollback undoes it), unless:
  --weight W      it is added beside the current variants with weight W (a canary: its share
                  is W / the sum of all weights); kiln endpoint traffic changes weights later
  --shadow RATE   it is added as the shadow variant: RATE (0-1] of requests are copied to it,
                  its answers discarded and compared (agreement, latency in /metrics)
  --variant V     the variant's name (default MODEL-vVERSION)
  --capture RATE  capture this share (0-1) of the endpoint's requests and responses for
                  kiln capture and live accuracy (kept by later deploys; 0 turns it off)
  --new-signature let a rollout change the endpoint's inputs or outputs (otherwise a version
                  whose signature differs from the endpoint's is refused, naming the field)
  --api-key-file FILE  the endpoint requires Authorization: Bearer K for each key K in FILE
                  (one a line, # comments; only hashes are kept); also $KILN_ENDPOINT_API_KEYS
                  (comma-separated) and --api-key K (repeatable; visible in the process list)
  --json          print the endpoint record as JSON
  --nats URL, --creds FILE   the cluster (default: $KILN_NATS_URL, else the local one)
`

function number(
  flag: string,
  raw: string | undefined,
  ok: (n: number) => boolean,
  expected: string,
): number | undefined {
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (raw.trim() === '' || !ok(n)) throw new UsageError(`--${flag}: expected ${expected}, got ${JSON.stringify(raw)}`)
  return n
}

/** `kiln deploy`. */
export function deployCommand(argv: string[], io: CliIo): Promise<number> {
  return runClusterCommand(
    {
      name: 'kiln deploy',
      help: HELP,
      positionals: 1,
      flags: {
        endpoint: { type: 'string' },
        weight: { type: 'string' },
        shadow: { type: 'string' },
        variant: { type: 'string' },
        capture: { type: 'string' },
        'new-signature': { type: 'boolean' },
        'api-key': { type: 'string', multiple: true },
        'api-key-file': { type: 'string', multiple: true },
        json: { type: 'boolean' },
      },
      run: async ({ nc, flags, args, io: out }) => {
        const { parseModelRef } = await import('@kiln/cluster-state')
        const { model, version, alias } = parseModelRef(args[0]!, 'MODEL[@VERSION|@ALIAS]')
        const weight = number(
          'weight',
          flags.weight as string | undefined,
          (n) => Number.isFinite(n) && n >= 0,
          'a weight >= 0',
        )
        const shadowRate = number(
          'shadow',
          flags.shadow as string | undefined,
          (n) => n > 0 && n <= 1,
          'a share in (0, 1]',
        )
        const captureRate = number(
          'capture',
          flags.capture as string | undefined,
          (n) => n >= 0 && n <= 1,
          'a share from 0 to 1',
        )
        if (weight !== undefined && shadowRate !== undefined)
          throw new UsageError('--weight and --shadow: expected one of them, got both')
        const { EndpointsClient } = await import('@kiln/client')
        const { hashApiKey } = await import('@kiln/gateway')
        const keys = collectApiKeys({
          flags: flags['api-key'] as string[] | undefined,
          files: flags['api-key-file'] as string[] | undefined,
          env: out.env,
          envName: 'KILN_ENDPOINT_API_KEYS',
          cwd: out.cwd,
        })
        const record = await new EndpointsClient(nc).deploy(model, {
          ...(flags.endpoint ? { endpoint: flags.endpoint as string } : {}),
          ...(version !== undefined ? { version } : {}),
          ...(alias !== undefined ? { alias } : {}),
          ...(flags.variant ? { variant: flags.variant as string } : {}),
          ...(weight !== undefined ? { weight } : {}),
          ...(shadowRate !== undefined ? { shadowRate } : {}),
          ...(keys ? { apiKeyHashes: keys.map(hashApiKey) } : {}),
          ...(captureRate !== undefined ? { captureRate } : {}),
          ...(flags['new-signature'] ? { newSignature: true } : {}),
        })
        out.stdout.write(
          flags.json ? `${JSON.stringify({ event: 'deployed', endpoint: record })}\n` : formatEndpoint(record),
        )
        return ExitCode.ok
      },
    },
    argv,
    io,
  )
}
