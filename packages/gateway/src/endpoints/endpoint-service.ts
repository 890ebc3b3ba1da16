// The endpoint API every gateway replica serves on `kiln.gateway.api.<op>` (queue group
// kiln-gateway: one replica answers). Changes are written to kiln_endpoints with
// compare-and-set on the KV revision and retried on a conflict, so concurrent changes through
// different replicas are never lost; each change is announced on kiln.events.endpoint.
import type { JetStreamClient } from '@nats-io/jetstream'
import type { KV } from '@nats-io/kv'
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node'
import {
  DeployRequestSchema,
  EndpointEventSchema,
  EndpointRecordSchema,
  GatewaySubjects,
  KilnError,
  ListEndpointsRequestSchema,
  NotFoundError,
  PromoteRequestSchema,
  RollbackRequestSchema,
  Subjects,
  TrafficRequestSchema,
  decode,
  relayedMessage,
  encode,
  replyError,
  replyOk,
  ValidationError,
  EndpointStatsRequestSchema,
  EndpointStatsSchema,
  check,
  type EndpointStats,
  type DeployRequest,
  type EndpointRecord,
} from '@kiln/protocol'
import type { ModelSignature } from '@kiln/train/model-format'
import { signatureDifference } from '../model/signature.js'
import { applyDeploy, applyPromote, applyRollback, applyTraffic } from './endpoint-ops.js'

export interface EndpointServiceOptions {
  nc: NatsConnection
  js: JetStreamClient
  kv: KV
  /**
   * The version a deploy puts behind the endpoint: `version`, the one `alias` names, or the
   * latest; refused (NotFoundError, or unapproved under the cluster's approval rule).
   */
  resolveVersion(model: string, version: number | undefined, alias?: string): Promise<number>
  /** This replica's last minute of traffic of an endpoint's variants. */
  stats(endpoint: string): EndpointStats
  /** The signature a model version serves (loading it when needed). */
  signatureOf(model: string, version: number): Promise<ModelSignature>
  now?: () => number
}

const ATTEMPTS = 10

function isConflict(err: unknown): boolean {
  return /wrong last sequence|exists/i.test((err as Error).message ?? '')
}

/**
 * Reads, changes and writes one record with compare-and-set; retries when another writer won.
 * `fn` returning the current record unchanged writes nothing.
 */
export async function change(
  kv: KV,
  name: string,
  fn: (current: EndpointRecord | undefined) => EndpointRecord | Promise<EndpointRecord>,
): Promise<EndpointRecord> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const entry = await kv.get(name)
    const live = entry && entry.operation === 'PUT' && entry.value.length > 0
    const current = live ? decode(EndpointRecordSchema, entry.value) : undefined
    const updated = await fn(current)
    if (updated === current) return updated
    try {
      if (live) await kv.update(name, encode(EndpointRecordSchema, updated), entry.revision)
      else await kv.create(name, encode(EndpointRecordSchema, updated))
      return updated
    } catch (err) {
      if (!isConflict(err)) throw err
    }
  }
  throw new KilnError('conflict', `endpoint ${name} changed ${ATTEMPTS} times while being updated; retry`)
}

/**
 * Refuses a deploy whose version would answer differently named or shaped tensors than the
 * endpoint's variants (unless a rollout says newSignature), naming the first field that differs.
 */
async function checkSignature(
  o: EndpointServiceOptions,
  current: EndpointRecord | undefined,
  req: DeployRequest,
  version: number,
): Promise<void> {
  if (!current) return
  const rollout = req.weight === undefined && req.shadow === undefined
  if (rollout && req.newSignature) return
  const candidate = await o.signatureOf(req.model, version)
  for (const v of current.variants) {
    const problem = signatureDifference(await o.signatureOf(v.model, v.version), candidate)
    if (problem) {
      const hint = rollout ? '; a rollout may change it with --new-signature' : ''
      throw new ValidationError(
        problem.field,
        `${problem.expected} (as variant ${v.name} of endpoint ${current.name}${hint})`,
        { got: problem.got },
      )
    }
  }
}

/**
 * Every endpoint name in the bucket. Keys first, then anything else: awaiting a kv.get (or a
 * write) inside the keys() iteration ends it after the first key (kiln endpoint list showed one).
 */
export async function endpointNames(kv: KV): Promise<string[]> {
  const keys: string[] = []
  for await (const key of await kv.keys()) keys.push(key)
  return keys
}

function existing(current: EndpointRecord | undefined, name: string): EndpointRecord {
  if (!current) throw new NotFoundError('endpoint', name)
  return current
}

/** Starts answering the endpoint API; returns the subscriptions' stop function. */
export function serveEndpointApi(o: EndpointServiceOptions): { stop: () => void } {
  const now = o.now ?? Date.now
  const publishEvent = async (op: 'deploy' | 'traffic' | 'promote' | 'rollback', r: EndpointRecord) => {
    const event = { v: 1 as const, op, endpoint: r.name, revision: r.revision, variants: r.variants, at: now() }
    await o.js.publish(Subjects.events.of('endpoint'), encode(EndpointEventSchema, event), {
      msgID: `endpoint-${r.name}-${r.revision}`,
    })
    return r
  }
  const handlers: Record<string, (data: Uint8Array) => Promise<unknown>> = {
    [GatewaySubjects.api.deploy]: async (data) => {
      const req = decode(DeployRequestSchema, data)
      const version = await o.resolveVersion(req.model, req.version, req.alias)
      return publishEvent(
        'deploy',
        await change(o.kv, req.endpoint, async (cur) => {
          await checkSignature(o, cur, req, version)
          return applyDeploy(cur, req, version, now())
        }),
      )
    },
    [GatewaySubjects.api.traffic]: async (data) => {
      const req = decode(TrafficRequestSchema, data)
      return publishEvent(
        'traffic',
        await change(o.kv, req.endpoint, (cur) => applyTraffic(existing(cur, req.endpoint), req, now())),
      )
    },
    [GatewaySubjects.api.promote]: async (data) => {
      const req = decode(PromoteRequestSchema, data)
      return publishEvent(
        'promote',
        await change(o.kv, req.endpoint, (cur) => applyPromote(existing(cur, req.endpoint), req, now())),
      )
    },
    [GatewaySubjects.api.rollback]: async (data) => {
      const req = decode(RollbackRequestSchema, data)
      return publishEvent(
        'rollback',
        await change(o.kv, req.endpoint, (cur) => applyRollback(existing(cur, req.endpoint), req, now())),
      )
    },
    [GatewaySubjects.api.list]: async (data) => {
      const req = decode(ListEndpointsRequestSchema, data)
      const out: EndpointRecord[] = []
      if (req.endpoint !== undefined) {
        const entry = await o.kv.get(req.endpoint)
        if (!entry || entry.operation !== 'PUT' || entry.value.length === 0)
          throw new NotFoundError('endpoint', req.endpoint)
        out.push(decode(EndpointRecordSchema, entry.value))
      } else {
        for (const key of await endpointNames(o.kv)) {
          const entry = await o.kv.get(key)
          if (entry && entry.operation === 'PUT' && entry.value.length > 0)
            out.push(decode(EndpointRecordSchema, entry.value))
        }
      }
      return out.sort((a, b) => a.name.localeCompare(b.name))
    },
  }
  const subs: Subscription[] = Object.entries(handlers).map(([subject, handle]) =>
    o.nc.subscribe(subject, {
      queue: GatewaySubjects.queue,
      callback: (err, msg: Msg) => {
        // A JetStream push consumer could relay stored bytes here: only direct requests count.
        if (err || relayedMessage(msg, subject)) return
        handle(msg.data).then(
          (data) => msg.respond(encode(replyOk(data))),
          (error: unknown) => msg.respond(encode(replyError(error))),
        )
      },
    }),
  )
  // Every replica answers stats (no queue group): the caller adds them up.
  subs.push(
    o.nc.subscribe(GatewaySubjects.api.stats, {
      callback: (err, msg) => {
        if (err) return
        try {
          const req = decode(EndpointStatsRequestSchema, msg.data)
          msg.respond(encode(replyOk(check(EndpointStatsSchema, o.stats(req.endpoint)))))
        } catch (error) {
          msg.respond(encode(replyError(error)))
        }
      },
    }),
  )
  return {
    stop: () => {
      for (const s of subs) s.unsubscribe()
    },
  }
}
