// @kiln/worker: the node agent (slots, heartbeats, trial threads and sandboxed trial processes, checkpoints, models).
export { startWorker } from './agent.js'
export type { WorkerAgent, WorkerOptions } from './agent.js'
export { discoverSlots, parseSlotsFlag, parseGpusFlag } from './slots.js'
export type { SlotOptions } from './slots.js'
export type { TrialTask, TrialOutcome } from './thread-messages.js'
export { chooseSandbox, SandboxMode } from './trial-sandbox.js'
export type { SandboxPlan } from './trial-sandbox.js'
export { TrialLimitError, TrialLimit } from './trial-limit-error.js'
