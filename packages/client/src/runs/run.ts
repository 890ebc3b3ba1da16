// A run: one training of the cluster, as `kiln runs` lists it. A job of one trial is one
// run (kind "job"); each trial of a sweep is a run (kind "trial"). Params are the job
// spec's hyperparameters as dotted paths (a sweep trial's own values applied), so
// `params.optimizer.learningRate` reads the same for both.
import type { JobRecord, TrialRecord } from '@kiln/protocol'
import { getterOf } from './query.js'
import type { Run } from './run-record.js'

export type { Run } from './run-record.js'

// The spec sections that are hyperparameters (not names, data or placement).
const PARAM_SECTIONS = ['model', 'optimizer', 'loss', 'training']

function flatten(value: unknown, prefix: string, out: Record<string, unknown>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out)
  } else if (value !== undefined) out[prefix] = value
}

/** The hyperparameters of a spec as dotted paths. */
export function specParams(spec: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const s = (spec ?? {}) as Record<string, unknown>
  for (const section of PARAM_SECTIONS) flatten(s[section], section, out)
  return out
}

function fromTrial(job: JobRecord, trial: TrialRecord | undefined, kind: Run['kind']): Run {
  const spec = (job.spec ?? {}) as { name?: string; experiment?: string; tags?: Run['tags']; notes?: string }
  const name = job.name ?? spec.name ?? job.id
  return {
    id: kind === 'job' ? job.id : trial!.id,
    kind,
    jobId: job.id,
    ...(trial ? { trialId: trial.id } : {}),
    ...(trial?.sweepId ? { sweepId: trial.sweepId } : {}),
    name,
    experiment: spec.experiment ?? name,
    state: kind === 'job' ? job.state : trial!.state,
    tags: spec.tags ?? {},
    ...(spec.notes ? { notes: spec.notes } : {}),
    params: { ...specParams(job.spec), ...(trial?.params ?? {}) },
    metrics: (kind === 'job' ? (trial?.metrics ?? job.metrics) : trial?.metrics) ?? {},
    ...(trial?.evaluation ? { evaluation: trial.evaluation } : {}),
    ...(trial?.model ? { model: trial.model } : {}),
    createdAt: (kind === 'job' ? job : trial!).timestamps.createdAt,
    ...((kind === 'job' ? job : trial!).timestamps.endedAt !== undefined
      ? { endedAt: (kind === 'job' ? job : trial!).timestamps.endedAt! }
      : {}),
  }
}

/** Every run of these jobs and trials, newest first. */
export function runsOf(jobs: Iterable<JobRecord>, trials: Iterable<TrialRecord>): Run[] {
  const byJob = new Map<string, TrialRecord[]>()
  for (const t of trials) {
    const list = byJob.get(t.jobId)
    if (list) list.push(t)
    else byJob.set(t.jobId, [t])
  }
  const out: Run[] = []
  for (const job of jobs) {
    const own = (byJob.get(job.id) ?? []).sort((a, b) => a.timestamps.createdAt - b.timestamps.createdAt)
    if (own.some((t) => t.sweepId)) for (const t of own) out.push(fromTrial(job, t, 'trial'))
    else out.push(fromTrial(job, own[own.length - 1], 'job'))
  }
  return out.sort((a, b) => b.createdAt - a.createdAt)
}

/** `KEY`, `KEY:asc`, `KEY:desc` or `-KEY` (descending). Default: losses and errors ascending, the rest descending. */
export function runComparator(sort: string): (a: Run, b: Run) => number {
  let key = sort
  let dir: 'asc' | 'desc' | undefined
  if (key.startsWith('-')) {
    key = key.slice(1)
    dir = 'desc'
  }
  const m = /^(.*):(asc|desc)$/.exec(key)
  if (m) {
    key = m[1]!
    dir = m[2] as 'asc' | 'desc'
  }
  dir ??= /loss|error|mae|rmse/i.test(key) ? 'asc' : 'desc'
  const get = getterOf(key)
  const sign = dir === 'asc' ? 1 : -1
  return (a, b) => {
    const x = get(a)
    const y = get(b)
    if (x === undefined || y === undefined) return x === undefined ? (y === undefined ? 0 : 1) : -1
    if (typeof x === 'number' && typeof y === 'number') return sign * (x - y)
    return sign * String(x).localeCompare(String(y))
  }
}
