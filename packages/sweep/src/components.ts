// Builds the searcher and the scheduler a search spec names.
import type { JsonValue } from './json.js'
import { AshaScheduler } from './schedulers/asha.js'
import { FifoScheduler } from './schedulers/fifo.js'
import { HyperbandScheduler } from './schedulers/hyperband.js'
import { MedianScheduler } from './schedulers/median.js'
import { PbtScheduler } from './schedulers/pbt.js'
import type { Scheduler } from './schedulers/scheduler.js'
import { GridSearcher } from './searchers/grid.js'
import { RandomSearcher } from './searchers/random.js'
import type { Searcher } from './searchers/searcher.js'
import { TpeSearcher } from './searchers/tpe.js'
import type { SearchSpec } from './spec-schema.js'

/** The searcher of a spec (searchers keep no state of their own: they read the trial history). */
export function createSearcher(spec: SearchSpec): Searcher {
  const a = spec.algorithm
  if (a.name === 'grid') return new GridSearcher(spec.space)
  if (a.name === 'random') return new RandomSearcher(spec.space)
  const { name: _, ...options } = a
  return new TpeSearcher(spec.space, options)
}

/** The scheduler of a spec, fresh or from the state a snapshot kept. */
export function createScheduler(spec: SearchSpec, state?: JsonValue): Scheduler {
  const { name, ...options } = spec.scheduler
  switch (name) {
    case 'fifo':
      return new FifoScheduler()
    case 'asha':
      return new AshaScheduler(options as ConstructorParameters<typeof AshaScheduler>[0], state)
    case 'hyperband':
      return new HyperbandScheduler(options as ConstructorParameters<typeof HyperbandScheduler>[0], state)
    case 'median':
      return new MedianScheduler(options as ConstructorParameters<typeof MedianScheduler>[0], state)
    case 'pbt':
      return new PbtScheduler(options as ConstructorParameters<typeof PbtScheduler>[0], state)
  }
}
