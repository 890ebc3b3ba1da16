import { sampleDomain, type Space } from '../domain.js'
import type { Params } from '../json.js'
import type { Rng } from '@kiln/protocol'
import type { AskContext, Searcher } from './searcher.js'

/** One value per dimension from its prior; `grid` dimensions are drawn like `choice` here. */
export function sampleSpace(space: Space, rng: Rng): Params {
  const params: Params = {}
  for (const [key, domain] of Object.entries(space)) params[key] = sampleDomain(domain, rng)
  return params
}

/** Random search: every trial independent (Bergstra & Bengio 2012). */
export class RandomSearcher implements Searcher {
  constructor(private readonly space: Space) {}

  remaining(): number {
    return Infinity
  }

  ask(ctx: AskContext): Params {
    return sampleSpace(this.space, ctx.rng)
  }
}
