// The ranks of one trial attempt as a ring over core NATS: rank r sends only to r+1 (on
// kiln.trial.<id>.ring.<r+1>.<its node>) and hears only from r-1 (on .ring.<r>.<r-1's node>,
// where the server lets only that node publish). Messages are routed to their
// operation by number (a fast peer may already be one operation ahead: those wait), and
// an operation that hears nothing for the step timeout fails on every rank, because a
// silent rank starves its successor, which then starves the next, around the ring.
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node'
import { ErrorCode, relayedMessage, Subjects } from '@kiln/protocol'
import { WireType } from '@kiln/native'
import type { AllReduceOptions, Collective } from './collective.js'
import { CollectiveError, collectiveTimeout } from './errors.js'
import { AllReduceOp } from './ring-all-reduce.js'
import { BroadcastOp } from './ring-broadcast.js'
import { HEADER_BYTES, readHeader, RingKind, writeHeader, type RingHeader } from './ring-header.js'
import type { RingLink, RingOp } from './ring-op.js'
import { mod } from './ring-plan.js'

export interface RingOptions {
  nc: NatsConnection
  trialId: string
  /** The gang's attempt: messages of any other attempt are ignored. */
  attempt: number
  rank: number
  worldSize: number
  /** The node this rank runs on (its messages go out under it). */
  nodeId: string
  /** The node of the previous rank, the only one this rank hears (default nodeId). */
  prevNodeId?: string
  /** An operation fails when it hears nothing from the previous rank for this long (default 60 s). */
  stepTimeoutMs?: number
  /** How long open() waits for the next rank to show up (default 5 min). */
  rendezvousTimeoutMs?: number
  /** Payload bytes per message (default 256 KiB, always below the server's max_payload). */
  chunkBytes?: number
  /** Aborting fails every pending operation at once. */
  signal?: AbortSignal
}

const DEFAULT_CHUNK = 256 * 1024
const PING_TIMEOUT_MS = 500

/** One rank's end of the ring. */
export class RingCommunicator implements Collective, RingLink {
  readonly rank: number
  readonly worldSize: number
  readonly chunkBytes: number
  private readonly nc: NatsConnection
  private readonly next: string
  private readonly own: string
  private readonly timeoutMs: number
  private readonly sub: Subscription
  private readonly ops = new Map<number, RingOp>()
  private readonly early = new Map<number, Array<[RingHeader, Uint8Array]>>()
  private lastOp = 0
  private broken: Error | undefined
  private readonly timer: NodeJS.Timeout
  private overdue = new Set<number>()
  private readonly onAbort = () => this.breakAll(new CollectiveError(ErrorCode.cancelled, 'the trial was stopped'))

  private constructor(private readonly o: RingOptions) {
    if (!Number.isInteger(o.worldSize) || o.worldSize < 1)
      throw new CollectiveError(ErrorCode.invalidArgument, `worldSize: expected an integer >= 1, got ${o.worldSize}`)
    if (!Number.isInteger(o.rank) || o.rank < 0 || o.rank >= o.worldSize)
      throw new CollectiveError(
        ErrorCode.invalidArgument,
        `rank: expected an integer from 0 to ${o.worldSize - 1}, got ${o.rank}`,
      )
    this.nc = o.nc
    this.rank = o.rank
    this.worldSize = o.worldSize
    this.timeoutMs = o.stepTimeoutMs ?? 60_000
    const maxPayload = o.nc.info?.max_payload ?? 1024 * 1024
    this.chunkBytes = Math.max(64, Math.min(o.chunkBytes ?? DEFAULT_CHUNK, maxPayload - HEADER_BYTES - 64))
    this.next = Subjects.trial.ring(o.trialId, mod(o.rank + 1, o.worldSize), o.nodeId)
    this.own = Subjects.trial.ring(o.trialId, o.rank, o.prevNodeId ?? o.nodeId)
    this.sub = o.nc.subscribe(this.own, {
      callback: (err, msg) => this.onMessage(err, msg),
    })
    this.timer = setInterval(() => this.checkTimeouts(), Math.max(20, Math.min(1000, this.timeoutMs / 4)))
    this.timer.unref()
    o.signal?.addEventListener('abort', this.onAbort, { once: true })
  }

  /** RingLink: the ring's length. */
  get size(): number {
    return this.worldSize
  }

  /** Joins the ring: subscribes, then waits until the next rank answers (it listens). */
  static async open(o: RingOptions): Promise<RingCommunicator> {
    const c = new RingCommunicator(o)
    try {
      if (o.worldSize > 1) await c.rendezvous(o.rendezvousTimeoutMs ?? 300_000)
      return c
    } catch (err) {
      c.close()
      throw err
    }
  }

  private async rendezvous(timeoutMs: number): Promise<void> {
    const ping = new Uint8Array(HEADER_BYTES)
    writeHeader(ping, {
      kind: RingKind.ping,
      wire: 0,
      step: 0,
      attempt: this.o.attempt,
      op: 0,
      seg: this.rank,
      chunk: 0,
      total: 0,
    })
    const deadline = Date.now() + timeoutMs
    for (;;) {
      if (this.broken) throw this.broken
      try {
        await this.nc.request(this.next, ping, { timeout: PING_TIMEOUT_MS })
        return
      } catch (err) {
        if (Date.now() > deadline) {
          throw new CollectiveError(
            ErrorCode.timeout,
            `rank ${mod(this.rank + 1, this.worldSize)} of trial ${this.o.trialId} did not join within ${timeoutMs} ms`,
            { cause: err },
          )
        }
        // "no responders" comes back at once; do not spin on it.
        await new Promise((ok) => setTimeout(ok, 50))
      }
    }
  }

  allReduce(buf: Float32Array, options: AllReduceOptions = {}): Promise<void> {
    const scale = options.average === false ? 1 : 1 / this.worldSize
    return this.run((id) => new AllReduceOp(id, this, buf, options.wire ?? WireType.float32, scale))
  }

  broadcast(buf: Float32Array, root = 0): Promise<void> {
    if (!Number.isInteger(root) || root < 0 || root >= this.worldSize) {
      return Promise.reject(
        new CollectiveError(
          ErrorCode.invalidArgument,
          `root: expected a rank from 0 to ${this.worldSize - 1}, got ${root}`,
        ),
      )
    }
    return this.run((id) => new BroadcastOp(id, this, buf, root))
  }

  async barrier(): Promise<void> {
    await this.allReduce(new Float32Array(1), { average: false })
  }

  private run(make: (id: number) => RingOp): Promise<void> {
    if (this.broken) return Promise.reject(this.broken)
    const op = make(++this.lastOp)
    this.ops.set(op.id, op)
    void op.done.then(
      () => this.ops.delete(op.id),
      () => this.ops.delete(op.id),
    )
    try {
      op.start()
      for (const [h, payload] of this.early.get(op.id) ?? []) op.receive(h, payload)
      this.early.delete(op.id)
    } catch (err) {
      this.breakAll(err as Error)
    }
    return op.done
  }

  /** RingLink: one message to the next rank, header and payload in one buffer. */
  send(h: Omit<RingHeader, 'attempt'>, bytes: number, fill: (payload: Uint8Array) => void): void {
    // Not zero-filled: the header and fill() write every byte.
    const msg = Buffer.allocUnsafe(HEADER_BYTES + bytes)
    writeHeader(msg, { ...h, attempt: this.o.attempt })
    fill(msg.subarray(HEADER_BYTES))
    this.nc.publish(this.next, msg)
  }

  private onMessage(err: Error | null, msg: Msg): void {
    if (err) {
      this.breakAll(
        new CollectiveError(ErrorCode.unavailable, `ring subscription failed: ${err.message}`, { cause: err }),
      )
      return
    }
    // A JetStream push consumer could relay stored bytes here: only direct sends count.
    if (relayedMessage(msg, this.own)) return
    const h = readHeader(msg.data)
    if (!h || h.attempt !== this.o.attempt) return
    if (h.kind === RingKind.ping) {
      if (msg.reply) msg.respond(new Uint8Array(0))
      return
    }
    if (this.broken) return
    try {
      const payload = msg.data.subarray(HEADER_BYTES)
      const op = this.ops.get(h.op)
      if (op) {
        op.receive(h, payload)
        return
      }
      // An operation this rank has not started yet: keep a copy (the socket buffer is reused).
      if (h.op > this.lastOp) {
        const list = this.early.get(h.op) ?? []
        list.push([h, payload.slice()])
        this.early.set(h.op, list)
      }
    } catch (e) {
      this.breakAll(e as Error)
    }
  }

  // An operation overdue on two checks in a row fails: the second look comes after the
  // event loop had a chance to read what may have queued up while it was busy.
  private checkTimeouts(): void {
    const now = performance.now()
    for (const op of this.ops.values()) {
      if (now - op.lastProgress <= this.timeoutMs) {
        this.overdue.delete(op.id)
      } else if (this.overdue.has(op.id)) {
        this.breakAll(collectiveTimeout(op.what, mod(this.rank - 1, this.worldSize), this.timeoutMs))
        return
      } else {
        this.overdue.add(op.id)
      }
    }
  }

  // One failed operation leaves the ring unusable (its peers are out of step): every
  // pending and later operation fails with the same error.
  private breakAll(err: Error): void {
    this.broken ??= err
    for (const op of this.ops.values()) op.fail(this.broken)
    this.ops.clear()
    this.early.clear()
  }

  /** Leaves the ring; pending operations fail. */
  close(): void {
    clearInterval(this.timer)
    this.o.signal?.removeEventListener('abort', this.onAbort)
    this.breakAll(new CollectiveError(ErrorCode.cancelled, 'the communicator was closed'))
    this.sub.unsubscribe()
  }
}
