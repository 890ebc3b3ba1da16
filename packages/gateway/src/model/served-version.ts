// One version of one model as the gateway knows it: where its files come from, whether it
// is loaded, and (once loaded) its signature, metadata and batching queue.
import type { KilnModelMetadata } from '@kiln/train'
import type { ModelSignature } from '@kiln/train/model-format'
import type { Batcher } from '../batch/batcher.js'
import type { PackedFiles } from '../worker/packed-files.js'

/** Where a version's files come from (a folder, the NATS object store). */
export interface VersionSource {
  model: string
  version: number
  /** Total bytes of the files, when known before reading them. */
  bytes?: number
  read(): Promise<Map<string, Uint8Array>>
}

/**
 * available: known, not in memory (loads on first request); loading; ready; failed: its last
 * load failed (the previous version keeps serving); unloaded: taken out by the repository
 * API until loaded again.
 */
export const VersionState = {
  available: 'available',
  loading: 'loading',
  ready: 'ready',
  failed: 'failed',
  unloaded: 'unloaded',
} as const
export type VersionState = (typeof VersionState)[keyof typeof VersionState]

/** A model version and its serving state. */
export interface ServedVersion {
  model: string
  version: number
  source: VersionSource
  state: VersionState
  /** Why the last load failed (until one succeeds). */
  reason?: string
  /** Loads that failed since the last one that succeeded. */
  attempts: number
  /** When the next try of a failed load starts (Date.now() ms); absent when none is planned. */
  retryAt?: number
  /** Identifies this load in the inference threads (a reload gets a new key). */
  key?: string
  files?: PackedFiles
  signature?: ModelSignature
  metadata?: KilnModelMetadata
  batcher?: Batcher
  loading?: Promise<ServedVersion>
  stats: VersionStats
  /** performance.now() of the last request (LRU order). */
  lastUsed: number
  /** Estimated memory while loaded: the shared files plus a copy of the weights per thread. */
  memoryBytes: number
}

/** A duration statistic as Triton's statistics extension reports it. */
export interface StatDuration {
  count: number
  ns: number
}

/** Per-version counters for GET /v2/models/{name}/stats (Triton's statistics extension). */
export interface VersionStats {
  /** Rows inferred, and batches run. */
  inferenceCount: number
  executionCount: number
  /** Date.now() of the last request; 0 before any. */
  lastInference: number
  success: StatDuration
  fail: StatDuration
  queue: StatDuration
  computeInfer: StatDuration
}

/** Fresh counters. */
export function emptyStats(): VersionStats {
  const d = () => ({ count: 0, ns: 0 })
  return {
    inferenceCount: 0,
    executionCount: 0,
    lastInference: 0,
    success: d(),
    fail: d(),
    queue: d(),
    computeInfer: d(),
  }
}
