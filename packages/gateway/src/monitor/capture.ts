// Request/response capture: a sampled share of inference traffic goes to the KILN_CAPTURE
// stream (`kiln.capture.<endpoint or model>`) for `kiln capture` and model-quality monitoring,
// as msgpack with raw float32 tensors; ground truth posted later goes to `<subject>.truth`.
import type { JetStreamClient } from '@nats-io/jetstream'
import { GatewaySubjects, encode } from '@kiln/protocol'
import type { WireTensor } from '../worker/messages.js'

/** One captured exchange. */
export interface CaptureRecord {
  model: string
  version: number
  endpoint?: string
  variant?: string
  id: string
  inputs: (WireTensor & { name: string })[]
  outputs: (WireTensor & { name: string })[]
  latencyMs: number
  at: number
}

/** Publishes captured exchanges and ground truth; failures are counted, never thrown at a request. */
export class Capture {
  failures = 0
  captured = 0

  constructor(private readonly js: JetStreamClient) {}

  /** Publishes one exchange with endpoint (or model) `name`, in the background. */
  publish(name: string, record: CaptureRecord): void {
    this.send(GatewaySubjects.capture(name), encode({ v: 1, ...record }))
  }

  /** Publishes the ground truth of captured requests of `name`, in the background. */
  truth(name: string, records: TruthRecord[]): void {
    for (const r of records) this.send(GatewaySubjects.captureTruth(name), encode({ v: 1, ...r }))
  }

  private send(subject: string, data: Uint8Array): void {
    this.js.publish(subject, data).then(
      () => {
        this.captured++
      },
      () => {
        this.failures++
      },
    )
  }
}

/** Ground truth for one captured request, as `kiln.capture.<name>.truth` keeps it. */
export interface TruthRecord {
  id: string
  /** The true class of each row. */
  labels: number[]
  at: number
}
