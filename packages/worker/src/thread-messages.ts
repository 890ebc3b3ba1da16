// Messages between a trial (a pool thread, or a sandboxed process for a script) and the node
// agent: the trial has no NATS connection of its own (a builtin thread's ring aside); the
// agent publishes for it and relays the answers.
import type { MessagePort } from 'node:worker_threads'
import type { LogRecord } from '@kiln/train/spec'
import type { ScoredShard, ThreadConnection } from '@kiln/train'
import type { Evaluation } from '@kiln/protocol'

/** The trial's end of its channel: a MessagePort in a thread, the IPC channel in a process. */
export interface TrialPort {
  on(event: 'message', listener: (m: ToThread) => void): unknown
  postMessage(m: FromThread, transfer?: readonly ArrayBuffer[]): void
  close(): void
}

/** Thread → agent. `id` pairs a request with its answer. */
export type FromThread =
  | { type: 'report'; id: number; epoch: number; metrics: Record<string, number> }
  | { type: 'checkpoint'; id: number; epoch: number; bytes: Uint8Array }
  | { type: 'log'; record: LogRecord }
  | { type: 'epoch'; epoch: number }
  /** The thread's last message: everything it logged arrived before it. */
  | { type: 'end' }

/** Agent → thread. */
export type ToThread =
  | { type: 'decision'; id: number; decision: 'continue' | 'stop' }
  | { type: 'checkpointed'; id: number; error?: string }
  | { type: 'abort'; reason: 'cancel' | 'drain' }

/** What the thread is given. */
export interface TrialTask {
  trialId: string
  /** The job spec (plain JSON). */
  spec: unknown
  /** A sweep trial's hyperparameters (dotted spec paths → values), applied over the spec. */
  params?: Record<string, unknown>
  threads: number
  /** A checkpoint to resume from. */
  resumeFrom?: Uint8Array
  /** Whether that checkpoint is this trial's own (its reports are its history) or a donor's (PBT: weights only). */
  resumeReports?: boolean
  /** Path of a cached dataset file (from the cluster's dataset store), if any. */
  datasetFile?: string
  /** Path of a fetched script bundle, if the trial is a script. */
  scriptFile?: string
  /** An ensemble's candidate models: each stored model's files by its artifact name. */
  candidates?: Record<string, Record<string, Uint8Array>>
  checkpointEveryEpochs?: number
  checkpointEveryMs?: number
  /** A transform trial: its shard of the dataset, and the model version's files. */
  shard?: { index: number; count: number }
  modelFiles?: Map<string, Uint8Array>
  /** A data-parallel trial's gang: this thread's rank, and how it reaches the others. */
  ring?: {
    rank: number
    worldSize: number
    attempt: number
    connection: ThreadConnection
    /** This rank's node, and the previous rank's (the one its ring hears). */
    nodeId: string
    prevNodeId: string
  }
  port: MessagePort | TrialPort
}

/** What the thread returns. */
export interface TrialOutcome {
  files: Record<string, Uint8Array>
  metrics: Record<string, number>
  /** The model's full evaluation on the test split (absent without a model or a test split). */
  evaluation?: Evaluation
  epochsRun: number
  stoppedEarly: boolean
  /** A transform trial's scored rows (its files are empty). */
  shard?: ScoredShard
}
