// What the main thread and the inference threads send each other (structured clone; input
// and output tensors travel as transferred ArrayBuffers).
import type { PackedFiles } from './packed-files.js'

/** A tensor crossing threads. */
export interface WireTensor {
  shape: number[]
  data: Float32Array
}

export interface LoadTask {
  op: 'load'
  key: string
  files: PackedFiles
  live: string[]
}

export interface InferTask {
  op: 'infer'
  key: string
  /** Sent only when the thread said it does not hold the model yet (NEEDS_FILES). */
  files?: PackedFiles
  /** Keys of every model still served: a thread drops any other model it holds. */
  live: string[]
  inputs: WireTensor[]
}

export type WorkerTask = LoadTask | InferTask

/** What loading reports: the model's tensor shapes (-1: free) and its weights' size. */
export interface LoadResult {
  inputs: { shape: number[] }[]
  outputs: { shape: number[] }[]
  /** Bytes of the model's weights as float32 tensors (one copy, in one thread). */
  weightBytes: number
}

export interface InferResult {
  outputs: WireTensor[]
  computeMs: number
}

/** What a thread answers to an infer task for a model it has not loaded, sent without files. */
export const NEEDS_FILES = 'kiln-gateway: model files needed'
