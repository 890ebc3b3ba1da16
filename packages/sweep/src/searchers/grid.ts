import { isActive, switchesOn } from '../conditions.js'
import { isNumeric, sampleDomain, type Space, type ValuesDomain } from '../domain.js'
import type { JsonValue, Params } from '../json.js'
import type { AskContext, Searcher } from './searcher.js'

/**
 * Grid search: the cartesian product of every `grid` and `choice` dimension, the last key
 * varying fastest. Numeric dimensions have no grid of their own: each trial samples them at
 * random. Without numeric dimensions the grid runs once; with them it repeats (fresh
 * samples) until maxTrials, which defaults to one pass.
 *
 * In a conditional space the grid is a tree: a list dimension's value brings the product of
 * the dimensions it switches on, so gbdt's grid and the MLP's grid are not multiplied together.
 */
export class GridSearcher implements Searcher {
  /** Discrete unconditional dimensions, in space order. */
  private readonly roots: string[]
  /** For each list dimension, the list dimensions each of its values switches on. */
  private readonly children = new Map<string, string[][]>()
  private readonly counts = new Map<string, number>()
  readonly size: number
  private readonly repeats: boolean

  constructor(private readonly space: Space) {
    const lists = Object.entries(space).filter((e): e is [string, ValuesDomain] => !isNumeric(e[1]))
    this.roots = lists.filter(([, d]) => d.when === undefined).map(([key]) => key)
    for (const [key, domain] of lists) {
      const kids = lists.filter(([, d]) => d.when?.key === key)
      this.children.set(
        key,
        domain.values.map((v) => kids.filter(([, d]) => switchesOn(d.when!, v)).map(([k]) => k)),
      )
    }
    this.size = this.blockCount(this.roots)
    this.repeats = Object.values(space).some(isNumeric)
  }

  remaining(started: number): number {
    return this.repeats ? Infinity : Math.max(0, this.size - started)
  }

  ask(ctx: AskContext): Params {
    const chosen = new Map<string, JsonValue>()
    this.pick(this.roots, ctx.started % this.size, chosen)
    const params: Params = {}
    for (const [key, domain] of Object.entries(this.space)) {
      if (chosen.has(key)) params[key] = structuredClone(chosen.get(key)!)
      else if (isNumeric(domain) && isActive(domain, params)) params[key] = sampleDomain(domain, ctx.rng)
    }
    return params
  }

  // Grid points of a list of dimensions: the product of each one's count.
  private blockCount(keys: readonly string[]): number {
    return keys.reduce((n, key) => n * this.count(key), 1)
  }

  // Grid points of one dimension: per value, the points of what that value switches on.
  private count(key: string): number {
    let n = this.counts.get(key)
    if (n === undefined) {
      n = this.children.get(key)!.reduce((sum, kids) => sum + this.blockCount(kids), 0)
      this.counts.set(key, n)
    }
    return n
  }

  // Mixed radix over the block (last key fastest), then into the chosen value's own block.
  private pick(keys: readonly string[], index: number, chosen: Map<string, JsonValue>): void {
    let rest = index
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!
      const n = this.count(key)
      let at = rest % n
      rest = Math.floor(rest / n)
      const kids = this.children.get(key)!
      const values = (this.space[key] as ValuesDomain).values
      for (let v = 0; v < values.length; v++) {
        const size = this.blockCount(kids[v]!)
        if (at < size) {
          chosen.set(key, values[v]!)
          this.pick(kids[v]!, at, chosen)
          break
        }
        at -= size
      }
    }
  }
}
