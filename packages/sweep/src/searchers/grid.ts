import { isNumeric, sampleDomain, type Space } from '../domain.js'
import type { Params } from '../json.js'
import type { AskContext, Searcher } from './searcher.js'

/**
 * Grid search: the cartesian product of every `grid` and `choice` dimension, the last key
 * varying fastest. Numeric dimensions have no grid of their own: each trial samples them at
 * random. Without numeric dimensions the grid runs once; with them it repeats (fresh
 * samples) until maxTrials, which defaults to one pass.
 */
export class GridSearcher implements Searcher {
  private readonly axes: [string, number][]
  readonly size: number
  private readonly repeats: boolean

  constructor(private readonly space: Space) {
    this.axes = Object.entries(space).flatMap(([key, d]) =>
      isNumeric(d) ? [] : [[key, d.values.length] as [string, number]],
    )
    this.size = this.axes.reduce((n, [, len]) => n * len, 1)
    this.repeats = Object.values(space).some(isNumeric)
  }

  remaining(started: number): number {
    return this.repeats ? Infinity : Math.max(0, this.size - started)
  }

  ask(ctx: AskContext): Params {
    let index = ctx.started % this.size
    const chosen = new Map<string, number>()
    for (let i = this.axes.length - 1; i >= 0; i--) {
      const [key, len] = this.axes[i]!
      chosen.set(key, index % len)
      index = Math.floor(index / len)
    }
    const params: Params = {}
    for (const [key, domain] of Object.entries(this.space)) {
      params[key] = isNumeric(domain)
        ? sampleDomain(domain, ctx.rng)
        : structuredClone(domain.values[chosen.get(key)!]!)
    }
    return params
  }
}
