// bench:sweep: scheduler decisions per second over a simulated sweep of 1,000 trials (each
// scheduler), then best-value-versus-trials curves of random search and TPE on synthetic
// objectives (median over seeds of the best value after n trials).
//   tsx scripts/bench/sweep.ts -- [--json] [--trials N] [--seeds S] [--curve-trials T]
import { median, parseSearchSpec, SweepEngine, type Params } from '@kiln/sweep'
import { parseFlags, report, round } from './common.js'
import { bestCurve, OBJECTIVES } from './sweep-objectives.js'

const flags = parseFlags(process.argv.slice(2), 0, ['--trials', '--seeds', '--curve-trials'])
const TRIALS = flags.extra['--trials'] ?? 1000
const SEEDS = flags.extra['--seeds'] ?? 10
const CURVE_TRIALS = flags.extra['--curve-trials'] ?? 100
const MAX_T = 27

const SCHEDULERS: Record<string, Record<string, unknown>> = {
  fifo: { name: 'fifo' },
  asha: { name: 'asha', gracePeriod: 1, reductionFactor: 3, maxT: MAX_T },
  hyperband: { name: 'hyperband', gracePeriod: 1, reductionFactor: 3, maxT: MAX_T },
  median: { name: 'median', gracePeriod: 3, minSamples: 5 },
  pbt: { name: 'pbt', perturbationInterval: 4, quantileFraction: 0.25 },
}

const SIM_SPACE = {
  lr: { loguniform: [1e-4, 1e-1] },
  width: { int: [16, 512], log: true },
  act: { choice: ['relu', 'tanh', 'gelu'] },
}

// A learning curve that rises towards a ceiling set by the params, with seeded noise.
function curve(p: Params, t: number, noise: number): number {
  const lr = p.lr as number
  const ceiling =
    0.95 -
    0.05 * (Math.log10(lr) + 2.5) ** 2 -
    0.02 * Math.abs(Math.log2(p.width as number) - 7) -
    (p.act === 'tanh' ? 0.03 : 0)
  return ceiling * (1 - Math.exp(-t * lr * 60)) + noise
}

/** Runs a whole simulated sweep; returns decisions made and seconds spent inside the engine. */
function simulate(scheduler: Record<string, unknown>): {
  decisions: number
  seconds: number
  stopped: number
  best: number
} {
  const spec = parseSearchSpec(
    { algorithm: 'random', scheduler, maxTrials: TRIALS, maxConcurrent: 64, space: SIM_SPACE },
    { metric: { name: 'val_accuracy', mode: 'max' } },
  )
  let now = 0
  const engine = new SweepEngine(spec, { seed: 1, clock: { now: () => now } })
  const running = new Map<string, { params: Params; t: number }>()
  let noiseState = 12345
  const noise = () => ((noiseState = (noiseState * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * 0.01
  let decisions = 0
  let stopped = 0
  let inEngine = 0n
  for (;;) {
    now += 1000
    let t0 = process.hrtime.bigint()
    let n = engine.next()
    while ('trialId' in n) {
      running.set(n.trialId, { params: n.params, t: n.resume?.fromT ?? 0 })
      n = engine.next()
    }
    inEngine += process.hrtime.bigint() - t0
    if ('done' in n) break
    for (const [id, trial] of [...running]) {
      trial.t++
      const value = curve(trial.params, trial.t, noise())
      t0 = process.hrtime.bigint()
      const d = engine.report(id, trial.t, value)
      decisions++
      if (d.action === 'exploit') Object.assign(trial, { params: d.params, t: d.checkpointT })
      else if (d.action !== 'continue' || trial.t >= MAX_T) {
        running.delete(id)
        if (d.action === 'stop') stopped++
        if (d.action !== 'pause') engine.complete(id)
      }
      inEngine += process.hrtime.bigint() - t0
    }
  }
  return { decisions, seconds: Number(inEngine) / 1e9, stopped, best: engine.best()!.value }
}

for (const [name, scheduler] of Object.entries(SCHEDULERS)) {
  const r = simulate(scheduler)
  report(flags, {
    bench: 'sweep',
    what: 'decisions',
    scheduler: name,
    trials: TRIALS,
    decisions: r.decisions,
    decisions_per_s: Math.round(r.decisions / r.seconds),
    stopped_early: r.stopped,
    best: round(r.best, 4),
    engine_s: round(r.seconds, 3),
  })
}

const CHECKPOINTS = [10, 20, 30, 40, 60, 80, 100, 150, 200].filter((n) => n <= CURVE_TRIALS)
for (const objective of OBJECTIVES) {
  for (const algorithm of ['random', 'tpe']) {
    const start = process.hrtime.bigint()
    const runs = Array.from({ length: SEEDS }, (_, s) => bestCurve(objective, algorithm, CURVE_TRIALS, s + 1))
    const ms = Number(process.hrtime.bigint() - start) / 1e6
    for (const n of CHECKPOINTS) {
      report(flags, {
        bench: 'sweep',
        what: 'best_vs_trials',
        objective: objective.name,
        algorithm,
        trials: n,
        seeds: SEEDS,
        median_best: round(median(runs.map((r) => r[n - 1]!)), 4),
        optimum: objective.minimum,
        ms_per_trial: round(ms / SEEDS / CURVE_TRIALS, 3),
      })
    }
  }
}
