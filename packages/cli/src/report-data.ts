// What `kiln report` puts in a report, gathered from the cluster: a job (its trial's
// curves and evaluation), a sweep (every trial's curve, parameters and value, the best
// trial's evaluation) or a model version (kiln-model.json's curves, its evaluation, its
// sweep when it came from one). Lineage runs dataset → job/sweep → trial → model.
import type { NatsConnection } from '@nats-io/transport-node'
import type { JobRecord, MetricReport, SweepRecord, TrialRecord } from '@kiln/protocol'
import type { LineSeries, LineageNode, ReportInput } from '@kiln/report'
import type { ModelVersionView } from '@kiln/client'
import { valueText } from './run-text.js'

const CURVE_METRICS = [
  ['loss', 'val_loss'],
  ['accuracy', 'val_accuracy'],
] as const

async function history(nc: NatsConnection, trialId: string): Promise<MetricReport[]> {
  const { trialMetrics } = await import('@kiln/client')
  const out: MetricReport[] = []
  for await (const m of trialMetrics(nc, trialId)) out.push(m)
  return out
}

// Train and validation lines of one run, per metric pair.
function runCurves(epochs: ReadonlyArray<{ epoch: number; metrics: Record<string, number> }>): ReportInput['curves'] {
  return CURVE_METRICS.map(([train, val]) => ({
    metric: train,
    series: [train, val].map((name) => ({
      name,
      points: epochs.flatMap((e) => (e.metrics[name] !== undefined ? [[e.epoch, e.metrics[name]!] as const] : [])),
    })),
  }))
}

function specOf(job: JobRecord): {
  name?: string
  dataset?: string
  experiment?: string
  tags?: Record<string, unknown>
  notes?: string
} {
  return (job.spec ?? {}) as never
}

function jobFacts(job: JobRecord): [string, string][] {
  const s = specOf(job)
  return [
    ['job', `${job.id} (${job.state})`],
    ['experiment', s.experiment ?? s.name ?? job.id],
    ...(s.tags && Object.keys(s.tags).length
      ? [
          [
            'tags',
            Object.entries(s.tags)
              .map(([k, v]) => `${k}=${valueText(v)}`)
              .join(', '),
          ] as [string, string],
        ]
      : []),
    ...(s.notes ? [['notes', s.notes] as [string, string]] : []),
    ['dataset', `${s.dataset ?? '?'}${job.datasetId ? ` (stored as ${job.datasetId.slice(0, 12)})` : ''}`],
    ['created', new Date(job.timestamps.createdAt).toISOString()],
  ]
}

function lineage(job: JobRecord, middle: LineageNode[], trial?: TrialRecord): LineageNode[] {
  const model = trial?.model
  return [
    { kind: 'dataset', label: specOf(job).dataset ?? job.datasetId ?? '?' },
    ...middle,
    ...(trial ? [{ kind: 'trial', label: trial.id }] : []),
    ...(model ? [{ kind: 'model version', label: `${model.name}@${model.version}` }] : []),
  ]
}

/** A job's report. */
export async function jobReport(nc: NatsConnection, job: JobRecord, trials: TrialRecord[]): Promise<ReportInput> {
  const { JobsClient } = await import('@kiln/client')
  const last = trials[trials.length - 1]
  const trial = last ? ((await new JobsClient(nc).show(last.id)).trial ?? last) : undefined
  const epochs = trial ? await history(nc, trial.id) : []
  return {
    title: `Job ${specOf(job).name ?? job.id}`,
    kind: 'job',
    facts: [
      ...jobFacts(job),
      ...Object.entries(trial?.metrics ?? {}).map(([k, v]) => [k, valueText(v)] as [string, string]),
    ],
    curves: runCurves(epochs),
    ...(trial?.evaluation ? { evaluation: trial.evaluation } : {}),
    lineage: lineage(job, [{ kind: 'job', label: job.id }], trial),
  }
}

/** A sweep's report. */
export async function sweepReport(
  nc: NatsConnection,
  sweep: SweepRecord,
  job: JobRecord,
  trials: TrialRecord[],
): Promise<ReportInput> {
  const metric = sweep.metric
  const ordered = [...trials].sort((a, b) => a.timestamps.createdAt - b.timestamps.createdAt)
  const valued = ordered.filter((t) => t.metrics?.[metric.name] !== undefined)
  // The metric's curve of the best ten trials (more lines would be unreadable).
  const sign = metric.mode === 'max' ? -1 : 1
  const top = [...valued].sort((a, b) => sign * (a.metrics![metric.name]! - b.metrics![metric.name]!)).slice(0, 10)
  const series: LineSeries[] = await Promise.all(
    top.map(async (t) => ({
      name: t.id.replace(`${job.id}-`, ''),
      points: (await history(nc, t.id)).flatMap((m) =>
        m.metrics[metric.name] !== undefined ? [[m.epoch, m.metrics[metric.name]!] as const] : [],
      ),
    })),
  )
  const bestTrial = sweep.model ? trials.find((t) => t.model?.version === sweep.model!.version) : top[0]
  const best = bestTrial ?? top[0]
  return {
    title: `Sweep ${sweep.name}`,
    kind: 'sweep',
    facts: [
      ['sweep', `${sweep.id} (${sweep.state})`],
      ['search', `${sweep.algorithm}, scheduler ${sweep.scheduler}, ${sweep.leaderboard.length} trials`],
      ['metric', `${metric.name} (${metric.mode})`],
      ...(sweep.best ? [['best', `${valueText(sweep.best.value)} by ${sweep.best.trialId}`] as [string, string]] : []),
      ...(sweep.model ? [['model', `${sweep.model.name}@${sweep.model.version}`] as [string, string]] : []),
      ...jobFacts(job).slice(1),
    ],
    curves: [{ metric: `${metric.name} by trial (best 10)`, series }],
    ...(best?.evaluation ? { evaluation: best.evaluation } : {}),
    sweep: {
      metric,
      trials: ordered.map((t) => ({
        id: t.id,
        params: t.params ?? {},
        ...(t.metrics?.[metric.name] !== undefined ? { value: t.metrics[metric.name]! } : {}),
        state: t.state,
      })),
    },
    lineage: lineage(job, [{ kind: 'sweep', label: sweep.id }], best),
  }
}

/** A model version's report (`meta`: its kiln-model.json, when its files are kept). */
export async function modelReport(nc: NatsConnection, v: ModelVersionView, meta: unknown): Promise<ReportInput> {
  const r = v.record
  const m = (meta ?? {}) as {
    metrics?: { epochs?: Array<{ epoch: number } & Record<string, number>> }
    dataset?: { name?: string }
  }
  const epochs = (m.metrics?.epochs ?? []).map(({ epoch, ...metrics }) => ({ epoch, metrics }))
  let sweep: ReportInput['sweep']
  if (r.lineage?.sweepId) {
    const { SweepsClient } = await import('@kiln/client')
    const detail = await new SweepsClient(nc).show(r.lineage.sweepId).catch(() => undefined)
    if (detail) sweep = (await sweepReport(nc, detail.sweep, detail.job, detail.trials)).sweep
  }
  const l = r.lineage ?? {}
  return {
    title: `Model ${r.model}@${r.version}`,
    kind: 'model version',
    facts: [
      ['version', `${r.model}@${r.version}${v.aliases.length ? ` (${v.aliases.join(', ')})` : ''}`],
      [
        'approval',
        v.decision
          ? `${v.decision.status} by ${v.decision.by}${v.decision.reason ? `: ${v.decision.reason}` : ''}`
          : 'pending',
      ],
      ['endpoints', v.endpoints.join(', ') || 'none'],
      ['created', new Date(r.createdAt).toISOString()],
      ...Object.entries(l.params ?? {}).map(([k, val]) => [k, valueText(val)] as [string, string]),
    ],
    curves: runCurves(epochs),
    ...(r.evaluation ? { evaluation: r.evaluation } : {}),
    ...(sweep ? { sweep } : {}),
    lineage: [
      { kind: 'dataset', label: m.dataset?.name ?? l.datasetHash?.slice(0, 12) ?? '?' },
      ...(l.sweepId ? [{ kind: 'sweep', label: l.sweepId }] : []),
      ...(l.jobId ? [{ kind: 'job', label: l.jobId }] : []),
      ...(l.trialId ? [{ kind: 'trial', label: l.trialId }] : []),
      { kind: 'model version', label: `${r.model}@${r.version}` },
    ],
  }
}
