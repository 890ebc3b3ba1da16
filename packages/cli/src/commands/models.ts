// `kiln models`: the model registry. List versions, show one, move aliases, approve or
// reject, archive or delete, and the cluster's approval rule.
import type { NatsConnection } from '@nats-io/transport-node'
import { sizeText, type ModelsClient } from '@kiln/client'
import type { CliIo } from '../io.js'
import { runClusterCommand } from '../cluster-command.js'
import { ExitCode } from '../exit-codes.js'
import { evaluationText } from '../evaluation-text.js'
import { metricsLine } from '../format.js'
import { MODEL_COLUMNS, agoText, approvalText, lineageText, modelRow, signatureText } from '../model-text.js'
import { table } from '../table.js'
import { UsageError } from '../usage-error.js'

const HELP = `Usage: kiln models [NAME] [--json]
       kiln models show NAME[@VERSION|@ALIAS] [--json]
       kiln models alias NAME@VERSION ALIAS         kiln models unalias NAME ALIAS
       kiln models approve NAME@VERSION [--reason WHY]
       kiln models reject NAME@VERSION --reason WHY
       kiln models archive NAME@VERSION             kiln models delete NAME@VERSION
       kiln models require-approval on|off

The model registry: every registered version with its metrics, size, age, aliases,
approval and the endpoints serving it.

  show       signature, evaluation (per-class figures, confusion matrix) and lineage
  alias      point ALIAS (e.g. champion) at a version; endpoints deployed with
             NAME@ALIAS roll to it (kiln deploy NAME@champion)
  approve    record an approval (who: $USER@host, and why); reject needs a reason
  archive    delete the version's files (reclaim storage), keep its record and metrics
  delete     delete the version altogether (its number is never used again)
             both are refused while an endpoint serves the version
  require-approval on|off   deploy refuses versions that are not approved

Options:
      --reason WHY   why (approve, reject)
      --json         JSON output
  --nats URL, --creds FILE   the cluster (default: $KILN_NATS_URL / $KILN_NATS_CREDS, else the local one)
`

const ARITY: Record<string, number> = {
  show: 1,
  alias: 2,
  unalias: 2,
  approve: 1,
  reject: 1,
  archive: 1,
  delete: 1,
  'require-approval': 1,
}

/** `kiln models ...`. */
export function modelsCommand(argv: string[], io: CliIo): Promise<number> {
  return runClusterCommand(
    {
      name: 'kiln models',
      help: HELP,
      positionals: [0, 3],
      flags: { json: { type: 'boolean' }, reason: { type: 'string' } },
      run: async ({ nc, flags, args, io: out }) => {
        const { ModelsClient } = await import('@kiln/client')
        const by = io.env.KILN_USER
        const client = new ModelsClient(nc, by ? { by } : {})
        const json = flags.json === true
        const write = (value: unknown, text: string) =>
          out.stdout.write(json ? `${JSON.stringify(value)}\n` : text.endsWith('\n') ? text : `${text}\n`)
        const [sub, ...rest] = args
        if (sub === undefined || !(sub in ARITY)) {
          if (args.length > 1) throw new UsageError(`kiln models: unknown subcommand ${JSON.stringify(sub)}`)
          const views = await client.list(sub)
          write(
            views,
            views.length
              ? table(
                  MODEL_COLUMNS,
                  views.map((v) => modelRow(v)),
                )
              : 'no models registered yet\n',
          )
          return ExitCode.ok
        }
        if (rest.length !== ARITY[sub])
          throw new UsageError(
            `kiln models ${sub}: expected ${ARITY[sub]} argument(s), got ${rest.length} (see kiln models --help)`,
          )
        const reason = flags.reason as string | undefined
        switch (sub) {
          case 'show':
            return show(client, nc, rest[0]!, json, out)
          case 'alias': {
            const registry = await client.alias(rest[0]!, rest[1]!)
            write(registry, `${registry.model}@${rest[1]} → ${registry.model}@${registry.aliases[rest[1]!]}`)
            return ExitCode.ok
          }
          case 'unalias':
            write(await client.unalias(rest[0]!, rest[1]!), `alias ${rest[1]} of ${rest[0]} removed`)
            return ExitCode.ok
          case 'approve':
          case 'reject': {
            if (sub === 'reject' && !reason) throw new UsageError('kiln models reject: --reason WHY is required')
            write(
              await client.decide(rest[0]!, sub, reason),
              `${rest[0]} ${sub === 'approve' ? 'approved' : 'rejected'}`,
            )
            return ExitCode.ok
          }
          case 'archive':
          case 'delete':
            write(
              await client.remove(rest[0]!, sub),
              `${rest[0]} ${sub === 'archive' ? 'archived (files deleted)' : 'deleted'}`,
            )
            return ExitCode.ok
          default: {
            const on = rest[0] === 'on' ? true : rest[0] === 'off' ? false : undefined
            if (on === undefined)
              throw new UsageError(`kiln models require-approval: expected on or off, got ${JSON.stringify(rest[0])}`)
            write(
              await client.requireApproval(on),
              `deploy ${on ? 'now takes only approved versions' : 'takes any version'}`,
            )
            return ExitCode.ok
          }
        }
      },
    },
    argv,
    io,
  )
}

// The code bundle is on the job that trained the version, if the cluster still has it.
async function bundleOf(nc: NatsConnection, jobId: string | undefined): Promise<string | undefined> {
  if (!jobId) return undefined
  const { JobsClient } = await import('@kiln/client')
  return (await new JobsClient(nc).show(jobId).catch(() => undefined))?.job?.bundleId
}

async function show(
  client: ModelsClient,
  nc: NatsConnection,
  ref: string,
  json: boolean,
  io: CliIo,
): Promise<ExitCode> {
  const v = await client.show(ref)
  const r = v.record
  let meta: unknown
  if (!v.archived) {
    const bytes = (await client.files(r)).get('kiln-model.json')
    meta = bytes ? JSON.parse(new TextDecoder().decode(bytes)) : undefined
  }
  if (json) {
    io.stdout.write(`${JSON.stringify({ ...v, metadata: meta })}\n`)
    return ExitCode.ok
  }
  const dataset = (meta as { dataset?: { name: string; fingerprint?: string } } | undefined)?.dataset
  const bundleId = await bundleOf(nc, r.lineage?.jobId)
  const lines = [
    `${r.model}@${r.version}${v.aliases.length ? `  (aliases: ${v.aliases.join(', ')})` : ''}`,
    `created    ${new Date(r.createdAt).toISOString()} (${agoText(r.createdAt)})`,
    `files      ${v.archived ? `archived by ${v.archived.by} ${agoText(v.archived.at)} (storage reclaimed)` : `${sizeText(r.bytes)} in ${r.files.length} files`}`,
    `approval   ${approvalText(v)}`,
    `endpoints  ${v.endpoints.join(', ') || 'none'}`,
    `signature  ${v.archived ? '(files archived)' : signatureText(meta)}`,
    `lineage    ${lineageText(r.lineage, { ...(dataset ? { dataset } : {}), ...(bundleId ? { bundleId } : {}) })}`,
  ]
  if (r.metrics) lines.push(`metrics    ${metricsLine(r.metrics)}`)
  io.stdout.write(`${lines.join('\n')}\n`)
  if (r.evaluation)
    io.stdout.write(`\nevaluation (${r.evaluation.count} test samples)\n${evaluationText(r.evaluation)}`)
  return ExitCode.ok
}
