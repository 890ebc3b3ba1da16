// Ground truth reaches the replica that served the request: each replica remembers only its
// own predictions, so truth posted to any replica goes to all of them on
// `kiln.gateway.api.truth` (no queue group, the poster included) and each labelled request
// counts as matched where it was served. Without NATS the replica scores it alone.
import type { NatsConnection } from '@nats-io/transport-node'
import {
  GatewaySubjects,
  GroundTruthOutcomesSchema,
  GroundTruthShareSchema,
  PROTOCOL_VERSION,
  check,
  decode,
  encode,
  type TruthOutcome,
} from '@kiln/protocol'
import { serve } from '@kiln/cluster-state'
import type { QualityMonitor } from './quality-monitor.js'

/** One labelled request: its id and the true class of each row. */
export interface LabelledRequest {
  id: string
  labels: number[]
}

/** Scores ground truth wherever the requests were served; an outcome per request, in order. */
export type TruthScorer = (name: string, truth: readonly LabelledRequest[]) => Promise<TruthOutcome[]>

/** Scores on this replica only (a gateway without NATS). */
export function localTruth(quality: QualityMonitor): TruthScorer {
  return async (name, truth) => truth.map((r) => quality.truth(name, r.id, r.labels))
}

// How long the poster waits for replicas: it stops once none has answered for JITTER_MS
// (replicas answer at once), and at MAX_WAIT_MS whatever happens.
const JITTER_MS = 100
const MAX_WAIT_MS = 2000

/** The outcome of each request over every replica's answer: matched anywhere wins. */
export function mergeOutcomes(count: number, answers: readonly (readonly TruthOutcome[])[]): TruthOutcome[] {
  const rank: Record<TruthOutcome, number> = { unknown: 0, 'mismatched-rows': 1, matched: 2 }
  const out: TruthOutcome[] = new Array(count).fill('unknown')
  for (const a of answers) for (const [i, o] of a.entries()) if (i < count && rank[o] > rank[out[i]!]) out[i] = o
  return out
}

/** Answers the replicas' shares and sends this replica's posts to all of them; stop() ends it. */
export function sharedTruth(
  nc: NatsConnection,
  gateway: string,
  quality: QualityMonitor,
  onError: (err: unknown) => void,
): { score: TruthScorer; stop(): void } {
  const local = localTruth(quality)
  const sub = serve(
    nc,
    GatewaySubjects.api.truth,
    GroundTruthShareSchema,
    async (req) => ({ v: PROTOCOL_VERSION as 1, gateway, outcomes: await local(req.name, req.truth) }),
    { reply: GroundTruthOutcomesSchema, onError },
  )
  const score: TruthScorer = async (name, truth) => {
    const body = encode(GroundTruthShareSchema, { v: PROTOCOL_VERSION, name, truth: [...truth] })
    const answers: TruthOutcome[][] = []
    try {
      for await (const m of await nc.requestMany(GatewaySubjects.api.truth, body, {
        strategy: 'stall',
        stall: JITTER_MS,
        maxWait: MAX_WAIT_MS,
      })) {
        const reply = decode<{ ok: boolean; data?: unknown }>(m.data)
        if (reply.ok) answers.push(check(GroundTruthOutcomesSchema, reply.data).outcomes)
      }
    } catch (err) {
      // NATS is away: what this replica served still counts.
      onError(err)
      return local(name, truth)
    }
    return mergeOutcomes(truth.length, answers)
  }
  return { score, stop: () => sub.unsubscribe() }
}
