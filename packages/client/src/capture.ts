// Captured requests and responses of an endpoint (or model) read back from KILN_CAPTURE,
// each with the ground truth posted for it, if any: what `kiln capture` prints or writes.
import type { NatsConnection } from '@nats-io/transport-node'
import { StreamName, readSubject } from '@kiln/cluster-state'
import { GatewaySubjects, decode } from '@kiln/protocol'

/** One tensor of a captured exchange. */
export interface CapturedTensor {
  name: string
  shape: number[]
  data: Float32Array
}

/** One captured request, its response and (once posted) its ground truth. */
export interface CapturedExchange {
  id: string
  model: string
  version: number
  endpoint?: string
  variant?: string
  inputs: CapturedTensor[]
  outputs: CapturedTensor[]
  latencyMs: number
  /** When it was served (ms since the epoch). */
  at: number
  /** The true class of each row, when posted to /v2/models/{name}/ground_truth. */
  labels?: number[]
}

/** Every exchange captured for `name` (since `sinceMs`, ms since the epoch), oldest first. */
export async function readCapture(
  nc: NatsConnection,
  name: string,
  o: { sinceMs?: number } = {},
): Promise<CapturedExchange[]> {
  const since = o.sinceMs ?? 0
  const truth = new Map<string, number[]>()
  for await (const data of readSubject(nc, StreamName.capture, GatewaySubjects.captureTruth(name))) {
    const t = decode<{ id: string; labels: number[] }>(data)
    truth.set(t.id, t.labels)
  }
  const out: CapturedExchange[] = []
  for await (const data of readSubject(nc, StreamName.capture, GatewaySubjects.capture(name))) {
    const { v: _v, ...record } = decode<CapturedExchange & { v: number }>(data)
    if (record.at < since) continue
    const labels = truth.get(record.id)
    out.push(labels ? { ...record, labels } : record)
  }
  return out
}
