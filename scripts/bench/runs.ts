// bench:runs: `kiln runs --where` over 10,000 runs (the issue aims at under 200 ms for the
// query): building the runs from job and trial records as the cluster holds them, then each
// expression compiled and applied, with a sort and a limit.
//   tsx scripts/bench/runs.ts -- [--json] [--runs N] [--repeats R]
import type { JobRecord, TrialRecord } from '@kiln/protocol'
import { queryRuns, runsOf } from '@kiln/client'
import { evaluateClassification } from '@kiln/train/evaluation'
import { parseFlags, report, round } from './common.js'

const flags = parseFlags(process.argv.slice(2), 0, ['--runs', '--repeats'])
const RUNS = flags.extra['--runs'] ?? 10_000
const REPEATS = flags.extra['--repeats'] ?? 20

// Seeded records: half single jobs, half trials of 50-trial sweeps, each with a full evaluation.
function records(n: number): { jobs: JobRecord[]; trials: TrialRecord[] } {
  let s = 12345
  const rand = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32
  const teams = ['vision', 'nlp', 'speech', 'tabular']
  const scores = Float64Array.from({ length: 200 * 10 }, rand)
  const labels = Int32Array.from({ length: 200 }, (_, i) => i % 10)
  const evaluation = evaluateClassification({ scores, labels, numClasses: 10 })
  const jobs: JobRecord[] = []
  const trials: TrialRecord[] = []
  const ts = (t: number) => ({ createdAt: t, updatedAt: t, endedAt: t + 1000 })
  for (let j = 0; trials.length < n; j++) {
    const sweep = j % 2 === 1
    const spec = {
      name: `exp-${j % 40}`,
      experiment: `exp-${j % 40}`,
      tags: { team: teams[j % teams.length]!, baseline: j % 7 === 0 },
      model: { builtin: 'mlp', hidden: [128] },
      optimizer: { name: 'adam', learningRate: 10 ** (-4 + 3 * rand()) },
      training: { epochs: 10, batchSize: 128 },
    }
    const count = sweep ? 50 : 1
    const ids = Array.from({ length: count }, (_, k) => `job-${j}-t${k}`)
    jobs.push({ v: 1, id: `job-${j}`, state: 'succeeded', attempts: count, spec, trialIds: ids, timestamps: ts(j) })
    for (const id of ids) {
      trials.push({
        v: 1,
        id,
        jobId: `job-${j}`,
        state: rand() < 0.9 ? 'succeeded' : 'failed',
        attempts: 1,
        timestamps: ts(j),
        metrics: { test_accuracy: 0.7 + 0.3 * rand(), val_loss: rand(), test_f1_macro: 0.6 + 0.4 * rand(), epochs: 10 },
        evaluation,
        ...(sweep ? { sweepId: `sweep-${j}`, params: { 'optimizer.learningRate': 10 ** (-4 + 3 * rand()) } } : {}),
      })
    }
  }
  return { jobs, trials: trials.slice(0, n) }
}

function timeMs(fn: () => unknown): { median: number; max: number } {
  const times: number[] = []
  for (let i = 0; i < REPEATS; i++) {
    const start = performance.now()
    fn()
    times.push(performance.now() - start)
  }
  times.sort((a, b) => a - b)
  return { median: times[Math.floor(times.length / 2)]!, max: times[times.length - 1]! }
}

const { jobs, trials } = records(RUNS)
const build = timeMs(() => runsOf(jobs, trials))
const runs = runsOf(jobs, trials)
report(flags, {
  bench: 'runs',
  step: 'build',
  runs: runs.length,
  ms_median: round(build.median, 2),
  ms_max: round(build.max, 2),
})
const QUERIES = [
  { where: 'test_accuracy > 0.9 and tags.team == "vision"' },
  { where: 'params.optimizer.learningRate < 1e-3 or not tags.baseline', sort: 'test_accuracy', limit: 20 },
  { where: '(state == "failed" or val_loss > 0.8) and experiment == "exp-3"', sort: 'val_loss' },
]
for (const q of QUERIES) {
  let matched = 0
  const t = timeMs(() => (matched = queryRuns(runs, q).length))
  report(flags, {
    bench: 'runs',
    step: 'query',
    where: q.where,
    ...(q.sort ? { sort: q.sort } : {}),
    runs: runs.length,
    matched,
    ms_median: round(t.median, 2),
    ms_max: round(t.max, 2),
    target_ms: 200,
  })
}
const scores = Float32Array.from({ length: 10_000 * 10 }, (_, i) => ((i * 7919) % 1000) / 1000)
const labels = Int32Array.from({ length: 10_000 }, (_, i) => (i * 31) % 10)
const ev = timeMs(() => evaluateClassification({ scores, labels, numClasses: 10 }))
report(flags, {
  bench: 'evaluation',
  samples: 10_000,
  classes: 10,
  ms_median: round(ev.median, 2),
  ms_max: round(ev.max, 2),
})
