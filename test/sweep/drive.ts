// Test helpers for the sweep engine: a clock the test moves by hand, and engines built from
// the YAML-friendly search section.
import { parseSearchSpec, SweepEngine, type SearchSpec, type SweepEvent } from '@kiln/sweep'

/** A clock that only moves when the test says so. */
export class FakeClock {
  constructor(public ms = 0) {}
  now(): number {
    return this.ms
  }
  advance(ms: number): void {
    this.ms += ms
  }
}

export const METRIC_MAX = { metric: { name: 'score', mode: 'max' as const } }

/** A search spec from its YAML-friendly form; the metric is "score" (max) unless given. */
export function spec(section: Record<string, unknown>): SearchSpec {
  return parseSearchSpec(section, METRIC_MAX)
}

/** An engine with a fake clock that logs its events. */
export function engine(section: Record<string, unknown> | SearchSpec, seed = 1) {
  const s = 'space' in section && isParsed(section) ? section : spec(section)
  const clock = new FakeClock()
  const events: SweepEvent[] = []
  const e = new SweepEngine(s, { seed, clock, onEvent: (ev) => events.push(ev) })
  return { engine: e, clock, events, spec: s }
}

// A parsed spec's dimensions have a `kind`; the YAML form's have a distribution key.
function isParsed(section: Record<string, unknown>): section is SearchSpec {
  const first = Object.values(section.space as Record<string, unknown>)[0]
  return typeof first === 'object' && first !== null && 'kind' in first
}

/** Starts a trial and returns its id; fails the test if next() does not start one. */
export function start(e: SweepEngine): string {
  const n = e.next()
  if (!('trialId' in n)) throw new Error(`expected a trial to start, got ${JSON.stringify(n)}`)
  return n.trialId
}

/** Starts `count` trials. */
export function startMany(e: SweepEngine, count: number): string[] {
  return Array.from({ length: count }, () => start(e))
}

/** Branin-Hoo; global minimum 0.397887 at three points of [-5, 10] x [0, 15]. */
export function branin(x1: number, x2: number): number {
  const b = 5.1 / (4 * Math.PI ** 2)
  const c = 5 / Math.PI
  const t = 1 / (8 * Math.PI)
  return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10
}
