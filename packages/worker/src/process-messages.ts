// What a script trial's process and its node agent say over the process's IPC channel, on
// top of the thread messages (thread-messages.ts): the task itself, the collective
// operations the agent runs for it (the process has no network), and how it ended.
import type { AllReduceOptions } from '@kiln/train'
import type { WireError } from '@kiln/protocol'
import type { FromThread, ToThread, TrialOutcome, TrialTask } from './thread-messages.js'

/** A collective operation the process asks the agent to run on its ring. */
export type CollectiveRequest = {
  type: 'collective'
  id: number
  op: 'allReduce' | 'broadcast' | 'barrier'
  buf?: Float32Array
  root?: number
  options?: AllReduceOptions
}

/** Agent → process. */
export type ToProcess =
  | ToThread
  | { type: 'task'; task: Omit<TrialTask, 'port'> }
  | { type: 'collective-done'; id: number; buf?: Float32Array; error?: WireError }

/** Process → agent. */
export type FromProcess =
  | FromThread
  | CollectiveRequest
  | { type: 'output'; stream: 'stdout' | 'stderr'; text: string }
  | { type: 'outcome'; outcome: TrialOutcome }
  | { type: 'failed'; error: WireError }
