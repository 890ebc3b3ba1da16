// A worker node as a test double: its registration, heartbeats while joined, a command
// handler that accepts every assignment (and keeps every cancel), and status requests sent
// by hand, so the exact order of events around the coordinator is in the test's hands.
import type { NatsConnection, Subscription } from '@nats-io/transport-node'
import { serve, type Layout } from '@kiln/cluster-state'
import {
  HeartbeatSchema,
  NodeCommandSchema,
  NodeRegistrationSchema,
  Subjects,
  TrialReportSchema,
  TrialStatusUpdateSchema,
  decode,
  encode,
  type TrialAssignment,
  type TrialReportMessage,
  type TrialStatusUpdate,
} from '@kiln/protocol'

/** A reply as it came back (`ok`, and `data` or `error`). */
export interface RawReply {
  ok: boolean
  data?: unknown
  error?: { code: string; message: string }
}

export interface FakeNode {
  readonly nodeId: string
  assigned: TrialAssignment[]
  /** The cancels it was sent, in order. */
  cancelled: Array<{ trialId: string; attempt?: number }>
  /** How many probes (ping) it answered. */
  readonly pings: number
  join(): Promise<void>
  /** Stops beating, still answering commands: a live node whose beats come late (a loaded machine). */
  silence(): void
  leave(): Promise<void>
  stop(): void
  /** Sends a status of a trial on its own subject (or on `subject`). */
  status(u: Omit<TrialStatusUpdate, 'v' | 'nodeId'>, subject?: string): Promise<RawReply>
  /** Sends an epoch report (on its own subject, or on `subject`). */
  report(r: Omit<TrialReportMessage, 'v' | 'nodeId'>, subject?: string): Promise<RawReply>
}

/** One cpu slot; accepts every assignment; beats every `heartbeatMs` while joined. */
export function fakeNode(nc: NatsConnection, layout: Layout, nodeId = 'node-double', heartbeatMs = 250): FakeNode {
  const assigned: TrialAssignment[] = []
  const cancelled: FakeNode['cancelled'] = []
  let pings = 0
  const registration = {
    v: 1,
    nodeId,
    name: 'double',
    host: 'localhost',
    slots: [{ id: 'cpu0', kind: 'cpu', threads: 1 }],
    version: '0.1.0',
    startedAt: Date.now(),
  } as const
  let timer: NodeJS.Timeout | undefined
  // What it said it runs, so its beats list it (a running trial a node omits is lost).
  const runs = new Map<string, number>()
  const sub: Subscription = serve(nc, Subjects.node.command(nodeId), NodeCommandSchema, async (c) => {
    if (c.kind === 'assign') assigned.push(c.assignment)
    if (c.kind === 'ping') {
      pings++
      return { alive: true }
    }
    if (c.kind === 'cancel') {
      cancelled.push({ trialId: c.trialId, ...(c.attempt === undefined ? {} : { attempt: c.attempt }) })
      return { cancelled: runs.delete(c.trialId) }
    }
    return { accepted: true }
  })
  const beat = () =>
    nc.publish(
      Subjects.node.heartbeat(nodeId),
      encode(HeartbeatSchema, {
        v: 1,
        nodeId,
        at: Date.now(),
        load: 0,
        busySlots: runs.size ? ['cpu0'] : [],
        trials: [...runs].map(([trialId, attempt]) => ({ trialId, attempt, epoch: 0 })),
      }),
    )
  const ask = async (subject: string, data: Uint8Array): Promise<RawReply> =>
    decode<RawReply>((await nc.request(subject, data, { timeout: 5000 })).data)
  return {
    nodeId,
    assigned,
    cancelled,
    get pings() {
      return pings
    },
    join: async () => {
      await layout.kv.nodes.put(nodeId, encode(NodeRegistrationSchema, registration))
      beat()
      timer = setInterval(beat, heartbeatMs)
    },
    leave: async () => {
      clearInterval(timer)
      sub.unsubscribe()
      await layout.kv.nodes.delete(nodeId)
    },
    silence: () => clearInterval(timer),
    stop: () => {
      clearInterval(timer)
      sub.unsubscribe()
    },
    status: async (u, subject = Subjects.trial.status(u.trialId, nodeId)) => {
      const reply = await ask(subject, encode(TrialStatusUpdateSchema, { v: 1, nodeId, ...u }))
      if (reply.ok && u.state === 'running') runs.set(u.trialId, u.attempt)
      else if (reply.ok) runs.delete(u.trialId)
      return reply
    },
    report: (r, subject = Subjects.trial.report(r.trialId, nodeId)) =>
      ask(subject, encode(TrialReportSchema, { v: 1, nodeId, ...r })),
  }
}
