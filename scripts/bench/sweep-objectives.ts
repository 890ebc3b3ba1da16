// Synthetic objectives for bench:sweep (all minimized), with their search spaces in the
// YAML-friendly form and their known minima, and a sequential run of a searcher on one.
import { parseSearchSpec, SweepEngine } from '@kiln/sweep'

export interface Objective {
  name: string
  space: Record<string, unknown>
  minimum: number
  f: (p: Record<string, number>) => number
}

const A6 = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
]
const P6 = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
]
const ALPHA6 = [1.0, 1.2, 3.0, 3.2]
const unit6 = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`x${i}`, { uniform: [0, 1] }]))

export const OBJECTIVES: Objective[] = [
  {
    name: 'branin',
    space: { x1: { uniform: [-5, 10] }, x2: { uniform: [0, 15] } },
    minimum: 0.397887,
    f: ({ x1, x2 }) => {
      const b = 5.1 / (4 * Math.PI ** 2)
      return (x2! - b * x1! * x1! + (5 / Math.PI) * x1! - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1!) + 10
    },
  },
  {
    // Hartmann 6-D on the unit cube: four Gaussian-like wells, global minimum -3.32237.
    name: 'hartmann6',
    space: unit6,
    minimum: -3.32237,
    f: (p) =>
      -ALPHA6.reduce((sum, alpha, i) => {
        let inner = 0
        for (let j = 0; j < 6; j++) inner += A6[i]![j]! * (p[`x${j}`]! - P6[i]![j]! * 1e-4) ** 2
        return sum + alpha * Math.exp(-inner)
      }, 0),
  },
  {
    // A sphere whose centre is off the middle of the box, with one log-scaled and one integer dim.
    name: 'shifted-sphere',
    space: { a: { uniform: [-5, 5] }, b: { uniform: [-5, 5] }, lr: { loguniform: [1e-5, 1] }, n: { int: [1, 100] } },
    minimum: 0,
    f: ({ a, b, lr, n }) => (a! - 1.7) ** 2 + (b! + 2.9) ** 2 + (Math.log10(lr!) + 3) ** 2 + ((n! - 37) / 10) ** 2,
  },
]

/** The best value after each trial of one sequential run of `algorithm` (a name or its options). */
export function bestCurve(
  objective: Objective,
  algorithm: string | Record<string, unknown>,
  trials: number,
  seed: number,
): number[] {
  const spec = parseSearchSpec(
    { algorithm, maxTrials: trials, space: objective.space },
    { metric: { name: 'loss', mode: 'min' } },
  )
  const engine = new SweepEngine(spec, { seed, clock: { now: () => 0 } })
  const out: number[] = []
  for (;;) {
    const n = engine.next()
    if (!('trialId' in n)) break
    engine.complete(n.trialId, objective.f(n.params as Record<string, number>))
    out.push(engine.best()!.value)
  }
  return out
}
