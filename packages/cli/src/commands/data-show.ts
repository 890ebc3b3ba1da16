// `kiln data show NAME`: what the store knows about one dataset, for people: counts, shape,
// classes, per-feature statistics (kept in its record since import), categorical features,
// and for a transformed dataset where it came from and what was done.
import type { DatasetRecord } from '@kiln/data'
import { runClusterCommand } from '../cluster-command.js'
import { duration, thousands } from '../format.js'
import type { CliIo } from '../io.js'
import { table } from '../table.js'
import { DATA_HELP } from './data-help.js'
import { datasetStore } from './data-source.js'

/** Bytes as "55.0 MB". */
export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 1)} MB`
}

/** "54,000 + 10,000" (train + test). */
export function samples(r: DatasetRecord): string {
  return r.counts.test === undefined
    ? thousands(r.counts.train)
    : `${thousands(r.counts.train)} + ${thousands(r.counts.test)}`
}

const BARS = '▁▂▃▄▅▆▇█'

/** Counts as a row of bars, tallest = most. */
export function bars(counts: readonly number[]): string {
  const top = Math.max(1, ...counts)
  return counts.map((n) => (n === 0 ? ' ' : BARS[Math.min(7, Math.floor((n / top) * 7.999))])).join('')
}

const num = (v: number) =>
  Number.isFinite(v) ? (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : v.toFixed(4)) : '-'

/** The text of `kiln data show` for one record. */
export function datasetText(r: DatasetRecord, now = Date.now()): string {
  const lines = [
    `${r.name}  id ${r.id.slice(0, 12)}  imported ${duration(Math.max(0, now - r.importedAt))} ago from ${r.source}`,
    `samples ${samples(r)} (train + test)  shape [${r.sampleShape.join(', ')}]  ${r.numClasses} classes${r.classNames ? ` (${r.classNames.join(', ')})` : ''}  ${megabytes(r.bytes)}`,
  ]
  if (r.lineage) {
    const steps = Object.keys(r.lineage.steps).join(', ')
    lines.push(`made from ${r.lineage.sourceName} (${r.lineage.sourceId.slice(0, 12)}) by ${steps || 'no steps'}`)
  }
  const st = r.stats
  const shown =
    st.features.length < st.numFeatures ? ` (${st.features.length} of ${st.numFeatures}, evenly spaced)` : ''
  lines.push('', `features${shown}, over ${thousands(st.count)} training samples:`)
  const nameOf = (i: number) => r.featureNames?.[i] ?? `feature ${i}`
  const cats = new Map((r.categories ?? []).map((c) => [c.feature, c.values]))
  lines.push(
    table(
      ['FEATURE', 'COUNT', 'MISSING', 'MEAN', 'STD', 'MIN', 'MAX', 'HISTOGRAM'],
      st.features.map((f) => [
        nameOf(f.index) + (cats.has(f.index) ? ' (categorical)' : ''),
        thousands(f.count),
        thousands(st.count - f.count),
        num(f.mean),
        num(f.std),
        num(f.min),
        num(f.max),
        bars(f.histogram),
      ]),
    ).trimEnd(),
  )
  if (cats.size > 0) {
    lines.push('', 'categorical features:')
    for (const [f, values] of cats) lines.push(`  ${nameOf(f)}: ${values.join(', ')}`)
  }
  if (r.nonFinite?.length)
    lines.push('', `non-finite values: ${r.nonFinite.map((n) => `${n.name} (${n.nan} NaN, ${n.inf} Inf)`).join(', ')}`)
  return `${lines.join('\n')}\n`
}

/** Runs `kiln data show` with the arguments after `show`. */
export function showCommand(argv: string[], io: CliIo): Promise<number> {
  return runClusterCommand(
    {
      name: 'kiln data show',
      help: DATA_HELP,
      positionals: 1,
      flags: { json: { type: 'boolean' } },
      run: async ({ nc, flags, args, io: out }) => {
        const { findDataset } = await import('@kiln/data')
        const record = await findDataset(await datasetStore(nc), args[0]!)
        out.stdout.write(flags.json ? `${JSON.stringify(record)}\n` : datasetText(record))
      },
    },
    argv,
    io,
  )
}
