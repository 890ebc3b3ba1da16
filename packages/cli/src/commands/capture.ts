// `kiln capture ENDPOINT`: the requests and responses an endpoint captured (kiln deploy
// --capture RATE), with the ground truth posted for them: a table for people, JSON lines
// for scripts, or NPY files for analysis.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { CliIo } from '../io.js'
import { runClusterCommand } from '../cluster-command.js'
import { ExitCode } from '../exit-codes.js'
import { UsageError } from '../usage-error.js'

const HELP = `Usage: kiln capture ENDPOINT [--since WHEN] [--json | --npy DIR]

Prints the requests and responses captured for ENDPOINT (or a model called directly):
time, request id, variant, model version, predicted class, ground truth (when posted to
POST /v2/models/ENDPOINT/ground_truth) and latency. kiln deploy --capture RATE turns
capture on.

  --since WHEN  only what was served since WHEN: a duration ago (30s, 10m, 2h, 7d) or a date
  --json        one JSON object per exchange (tensors as lists)
  --npy DIR     write DIR/inputs.npy (float32 [N, ...]), outputs.npy, labels.npy (int32, -1
                where no ground truth arrived) and ids.json, one row per captured row
  --nats URL, --creds FILE   the cluster (default: $KILN_NATS_URL, else the local one)
`

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** Parses --since: a duration ago or a date; ms since the epoch. */
export function parseSince(raw: string, now = Date.now()): number {
  const m = /^(\d+(?:\.\d+)?)([smhd])$/.exec(raw.trim())
  if (m) return now - Number(m[1]) * UNITS[m[2]!]!
  const t = Date.parse(raw)
  if (Number.isNaN(t))
    throw new UsageError(`--since: expected a duration (30s, 10m, 2h, 7d) or a date, got ${JSON.stringify(raw)}`)
  return t
}

function argmax(data: Float32Array, from: number, width: number): number {
  let best = 0
  for (let j = 1; j < width; j++) if (data[from + j]! > data[from + best]!) best = j
  return best
}

/** `kiln capture`. */
export function captureCommand(argv: string[], io: CliIo): Promise<number> {
  return runClusterCommand(
    {
      name: 'kiln capture',
      help: HELP,
      positionals: 1,
      flags: { since: { type: 'string' }, json: { type: 'boolean' }, npy: { type: 'string' } },
      run: async ({ nc, flags, args, io: out }) => {
        if (flags.json && flags.npy) throw new UsageError('--json and --npy: expected one of them, got both')
        const since = flags.since === undefined ? undefined : parseSince(flags.since as string)
        const { readCapture } = await import('@kiln/client')
        const { encodeNpy } = await import('@kiln/data')
        const records = await readCapture(nc, args[0]!, since === undefined ? {} : { sinceMs: since })
        if (flags.json) {
          for (const r of records) {
            const tensors = (list: typeof r.inputs) => list.map((t) => ({ ...t, data: Array.from(t.data) }))
            out.stdout.write(`${JSON.stringify({ ...r, inputs: tensors(r.inputs), outputs: tensors(r.outputs) })}\n`)
          }
          return ExitCode.ok
        }
        if (flags.npy) {
          if (records.length === 0)
            throw new UsageError(`kiln capture: nothing captured for ${args[0]}; no files written`)
          const dir = resolve(out.cwd, flags.npy as string)
          mkdirSync(dir, { recursive: true })
          const stack = (pick: (r: (typeof records)[0]) => { shape: number[]; data: Float32Array }) => {
            const parts = records.map(pick)
            const rows = parts.reduce((n, p) => n + p.shape[0]!, 0)
            const data = new Float32Array(parts.reduce((n, p) => n + p.data.length, 0))
            let at = 0
            for (const p of parts) {
              data.set(p.data, at)
              at += p.data.length
            }
            return { data, shape: [rows, ...parts[0]!.shape.slice(1)] }
          }
          const x = stack((r) => r.inputs[0]!)
          const y = stack((r) => r.outputs[0]!)
          const labels = Int32Array.from(records.flatMap((r) => r.labels ?? Array(r.inputs[0]!.shape[0]).fill(-1)))
          writeFileSync(join(dir, 'inputs.npy'), encodeNpy(x.data, x.shape))
          writeFileSync(join(dir, 'outputs.npy'), encodeNpy(y.data, y.shape))
          writeFileSync(join(dir, 'labels.npy'), encodeNpy(labels, [labels.length]))
          writeFileSync(
            join(dir, 'ids.json'),
            `${JSON.stringify(records.flatMap((r) => Array(r.inputs[0]!.shape[0]).fill(r.id)))}\n`,
          )
          out.stdout.write(`${x.shape[0]} rows from ${records.length} requests written to ${dir}\n`)
          return ExitCode.ok
        }
        if (records.length === 0) {
          out.stdout.write(`nothing captured for ${args[0]} (kiln deploy ... --capture RATE turns capture on)\n`)
          return ExitCode.ok
        }
        out.stdout.write(
          `${'TIME'.padEnd(24)} ${'ID'.padEnd(36)} ${'VARIANT'.padEnd(16)} VERSION  PREDICTED  TRUTH  MS\n`,
        )
        for (const r of records) {
          const y = r.outputs[0]
          const width = y ? y.data.length / Math.max(1, y.shape[0]!) : 0
          const rows = y?.shape[0] ?? 0
          for (let row = 0; row < rows; row++)
            out.stdout.write(
              `${new Date(r.at).toISOString().padEnd(24)} ${r.id.slice(0, 36).padEnd(36)} ${(r.variant ?? '-').padEnd(16)} ${String(r.version).padEnd(8)} ${String(argmax(y!.data, row * width, width)).padEnd(10)} ${String(r.labels?.[row] ?? '-').padEnd(6)} ${r.latencyMs.toFixed(1)}\n`,
            )
        }
        return ExitCode.ok
      },
    },
    argv,
    io,
  )
}
