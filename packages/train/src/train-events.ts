// What a run tells its watcher: trainLocal's onStart and onEpoch events.
import type { PreparedData } from './trial-data.js'

/** Said once the data is loaded and split, before the first epoch. */
export interface StartEvent {
  name: string
  dataset: string
  backend: string
  model: string
  epochs: number
  batchSize: number
  sampleShape: number[]
  numClasses: number
  counts: { train: number; validation: number; test: number }
  testFrom: PreparedData['testFrom']
}

/** One finished epoch (one report). */
export interface EpochEvent {
  /** 1-based. */
  epoch: number
  epochs: number
  metrics: Record<string, number>
  durationMs?: number
  samplesPerSecond?: number
}
