// TPE tuning for bench:sweep's objectives: the median best value of TPE variants over
// held-out seeds (101-200 by default, never the test's 1-10); deterministic, no timing, so
// a busy machine does not change it. Each argument is a JSON object of TPE options (one
// variant), e.g. '{"minBandwidth":0.02}'.
//   tsx scripts/bench/sweep-tpe-tuning.ts -- [--json] [--seeds N] [--first-seed S] [VARIANT...]
import { median } from '@kiln/sweep'
import { parseFlags, report, round } from './common.js'
import { bestCurve, OBJECTIVES } from './sweep-objectives.js'

const args = process.argv.slice(2)
const variants = args.filter((a) => a.startsWith('{'))
const flags = parseFlags(
  args.filter((a) => !a.startsWith('{')),
  0,
  ['--seeds', '--first-seed'],
)
const FIRST = flags.extra['--first-seed'] ?? 101
const SEEDS = Array.from({ length: flags.extra['--seeds'] ?? 100 }, (_, i) => FIRST + i)
// Branin at the 60 trials; the others at bench:sweep's 100.
const BUDGET: Record<string, number> = { branin: 60 }

for (const variant of variants.length > 0 ? variants : ['{}']) {
  const options = JSON.parse(variant) as Record<string, unknown>
  for (const objective of OBJECTIVES) {
    const trials = BUDGET[objective.name] ?? 100
    const values = SEEDS.map((s) => bestCurve(objective, { name: 'tpe', ...options }, trials, s).at(-1)!)
    report(flags, {
      bench: 'tpe-tuning',
      variant: JSON.stringify(options),
      objective: objective.name,
      trials,
      seeds: `${FIRST}-${FIRST + SEEDS.length - 1}`,
      median_best: round(median(values), 4),
      optimum: objective.minimum,
    })
  }
}
