// Async inference (issue 14, item 5): a request is accepted at once (its record `queued` in
// kiln_async_results) and waits in the KILN_ASYNC work queue; every replica pulls from one
// shared durable consumer, so whichever is free works it off, through the same inference
// path as a synchronous call. The answer (status, headers, body) replaces the record, is
// published on `kiln.gateway.results.<notify>` when asked, and only then is the request
// acknowledged: a replica that stops mid-request leaves it to the next one (or itself,
// restarted) once the ack wait has passed. Records expire with the bucket's TTL.
import { randomUUID } from 'node:crypto'
import { AckPolicy, type ConsumerMessages, type JsMsg, jetstreamManager } from '@nats-io/jetstream'
import { nanos, type NatsConnection } from '@nats-io/transport-node'
import { StreamName, type BoundLayout } from '@kiln/cluster-state'
import {
  AsyncRequestSchema,
  AsyncResultSchema,
  GatewaySubjects,
  decode,
  encode,
  type AsyncRequest,
  type AsyncResult,
} from '@kiln/protocol'
import type { InferenceService, Target } from '../inference.js'
import { errorReply, type ErrorLog } from '../http/on-error.js'

/** The durable consumer every replica shares. */
export const ASYNC_CONSUMER = 'kiln-gateway-async'

export interface AsyncQueueOptions {
  nc: NatsConnection
  layout: BoundLayout
  inference: Pick<InferenceService, 'infer'>
  /** Requests this replica works on at once; 0: it accepts requests but leaves them to others. */
  workers: number
  /** How long a delivered request may go unanswered before another replica gets it (default 60 s). */
  ackWaitMs?: number
  /** Deliveries of a request whose model cannot serve yet (503) before it fails (default 5). */
  maxAttempts?: number
  logError: ErrorLog
}

/** Accepts, works off and answers async inference requests. */
export class AsyncQueue {
  private messages: ConsumerMessages | undefined
  private inflight = 0
  private freed: (() => void) | undefined
  private readonly working = new Set<Promise<void>>()

  constructor(private readonly o: AsyncQueueOptions) {}

  /** Queues a request and returns its `queued` record (the caller has checked its key and target). */
  async submit(target: Target, body: Uint8Array, headerLength?: number, notify?: string): Promise<AsyncResult> {
    const request: AsyncRequest = {
      v: 1,
      id: randomUUID(),
      name: target.name,
      ...(target.version !== undefined ? { version: target.version } : {}),
      ...(headerLength !== undefined ? { headerLength } : {}),
      ...(notify !== undefined ? { notify } : {}),
      body,
      submittedAt: Date.now(),
    }
    const data = encode(AsyncRequestSchema, request)
    const record = this.record(request, { state: 'queued' })
    // The record first: a replica may answer before publish returns, and its answer must win.
    await this.o.layout.kv.asyncResults.create(request.id, encode(AsyncResultSchema, record))
    await this.o.layout.js.publish(GatewaySubjects.asyncRequests, data, { msgID: request.id })
    return record
  }

  /** The record of request `id`: queued or answered; undefined when unknown or expired. */
  async get(id: string): Promise<AsyncResult | undefined> {
    const entry = await this.o.layout.kv.asyncResults.get(id)
    if (!entry || entry.operation !== 'PUT') return undefined
    return decode(AsyncResultSchema, entry.value)
  }

  /** Starts working off the queue (nothing when workers is 0). */
  async start(): Promise<void> {
    if (this.o.workers < 1) return
    const { js } = this.o.layout
    const jsm = await jetstreamManager(this.o.nc)
    await jsm.consumers.add(StreamName.async, {
      durable_name: ASYNC_CONSUMER,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(this.o.ackWaitMs ?? 60_000),
      max_ack_pending: -1,
    })
    const consumer = await js.consumers.get(StreamName.async, ASYNC_CONSUMER)
    this.messages = await consumer.consume({ max_messages: this.o.workers })
    // The iterator ends when stopped; an error ending it early is logged (requests wait for another replica).
    this.loop(this.messages).catch(this.o.logError)
  }

  /** Stops taking requests; those being worked on finish (unfinished ones go to another replica). */
  async stop(): Promise<void> {
    await this.messages?.close()
    await Promise.allSettled([...this.working])
  }

  private async loop(messages: ConsumerMessages): Promise<void> {
    for await (const m of messages) {
      while (this.inflight >= this.o.workers) await new Promise<void>((ok) => (this.freed = ok))
      this.inflight++
      const work = this.work(m).finally(() => {
        this.inflight--
        this.working.delete(work)
        this.freed?.()
        this.freed = undefined
      })
      this.working.add(work)
    }
  }

  private async work(m: JsMsg): Promise<void> {
    let request: AsyncRequest
    try {
      request = decode(AsyncRequestSchema, m.data)
    } catch (err) {
      // Only gateways publish here; a message that is not a request is dropped, not retried.
      this.o.logError(err)
      m.term()
      return
    }
    const attempts = m.info.deliveryCount
    let answer: Pick<AsyncResult, 'state' | 'status' | 'headers' | 'body'>
    try {
      const target = { name: request.name, ...(request.version !== undefined ? { version: request.version } : {}) }
      const out = await this.o.inference.infer(target, request.body, request.headerLength)
      const body = typeof out.body === 'string' ? new TextEncoder().encode(out.body) : out.body
      answer = { state: 'succeeded', status: 200, headers: out.headers, body }
    } catch (err) {
      const reply = errorReply(err, this.o.logError)
      // Not servable yet (a model still loading, a full queue): tried again later, a few times.
      if (reply.status === 503 && attempts < (this.o.maxAttempts ?? 5)) {
        m.nak(Number(reply.headers['retry-after'] ?? 1) * 1000)
        return
      }
      answer = {
        state: 'failed',
        status: reply.status,
        headers: reply.headers,
        body: new TextEncoder().encode(reply.body),
      }
    }
    const record = encode(AsyncResultSchema, this.record(request, { ...answer, attempts, finishedAt: Date.now() }))
    try {
      await this.o.layout.kv.asyncResults.put(request.id, record)
      if (request.notify) this.o.nc.publish(GatewaySubjects.asyncResult(request.notify), record)
      m.ack()
    } catch (err) {
      // Not kept (NATS unavailable, an answer over the bucket's value size): tried again
      // later, and after the last try a short failed record says why.
      this.o.logError(err)
      if (attempts < (this.o.maxAttempts ?? 5)) return m.nak(1000)
      const message = `the answer could not be kept: ${(err as Error)?.message ?? err}`
      const failed = this.record(request, {
        state: 'failed',
        status: 500,
        attempts,
        finishedAt: Date.now(),
        headers: { 'content-type': 'application/json' },
        body: new TextEncoder().encode(JSON.stringify({ error: message })),
      })
      await this.o.layout.kv.asyncResults.put(request.id, encode(AsyncResultSchema, failed)).then(
        () => m.ack(),
        () => m.nak(1000),
      )
    }
  }

  private record(r: AsyncRequest, rest: Partial<AsyncResult> & Pick<AsyncResult, 'state'>): AsyncResult {
    return {
      v: 1,
      id: r.id,
      name: r.name,
      ...(r.version !== undefined ? { version: r.version } : {}),
      submittedAt: r.submittedAt,
      ...rest,
    }
  }
}
