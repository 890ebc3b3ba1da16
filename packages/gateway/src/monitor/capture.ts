// Request/response capture: a sampled share of inference traffic goes to the KILN_CAPTURE
// stream (`kiln.capture.<model>`) for later analysis, as msgpack with raw float32 tensors.
import type { JetStreamClient } from 'nats'
import { GatewaySubjects, encode } from '@kiln/protocol'
import type { WireTensor } from '../worker/messages.js'

/** One captured exchange. */
export interface CaptureRecord {
  model: string
  version: number
  endpoint?: string
  variant?: string
  id?: string
  inputs: (WireTensor & { name: string })[]
  outputs: (WireTensor & { name: string })[]
  latencyMs: number
  at: number
}

/** Publishes a sampled share of requests; failures are counted, never thrown at a request. */
export class Capture {
  failures = 0
  captured = 0

  constructor(
    private readonly js: JetStreamClient,
    readonly sampleRate: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** Whether this request should be captured (decide before copying anything). */
  sample(): boolean {
    return this.sampleRate > 0 && this.random() < this.sampleRate
  }

  /** Publishes one record in the background. */
  publish(record: CaptureRecord): void {
    this.js.publish(GatewaySubjects.capture(record.model), encode({ v: 1, ...record })).then(
      () => {
        this.captured++
      },
      () => {
        this.failures++
      },
    )
  }
}
