// @kiln/coordinator: leader election, the request/reply API, placement, job and trial state.
export { startCoordinator } from './coordinator.js'
export type { Coordinator, CoordinatorOptions } from './coordinator.js'
export { placeTrials, slotKey } from './placement.js'
export type { Demand, PlacementResult, SlotRef } from './placement.js'
export { derivedJobState, jobMetrics } from './job-state.js'
export { DEFAULT_RETRY, nextAttemptAt } from './retry.js'
export type { RetryPolicy } from './retry.js'
