// Endpoints of the inference gateway: a name that clients call, routed by weight to
// variants (model versions), with an optional shadow variant and API keys. Records live in
// the kiln_endpoints KV bucket and are changed only by gateways, through the request/reply
// API on `kiln.gateway.api.<op>` (compare-and-set on the KV revision).
import { z } from 'zod'
import { count, id, message, text, timestamp } from './fields.js'
import { expecting } from './schema-kit.js'
import { AliasNameSchema } from './model-registry-messages.js'

/** How many past revisions a record keeps for `rollback`. */
export const ENDPOINT_HISTORY = 20

/** Subjects of the gateway's endpoint API, its drift alerts and its request capture. */
export const GatewaySubjects = {
  api: {
    deploy: 'kiln.gateway.api.deploy',
    traffic: 'kiln.gateway.api.traffic',
    promote: 'kiln.gateway.api.promote',
    rollback: 'kiln.gateway.api.rollback',
    list: 'kiln.gateway.api.list',
    /** Every replica answers (no queue group): its last minute of traffic per variant. */
    stats: 'kiln.gateway.api.stats',
    all: 'kiln.gateway.api.>',
  },
  /** Queue group every replica joins, so that one of them answers each request. */
  queue: 'kiln-gateway',
  driftAlerts: 'kiln.alerts.drift',
  qualityAlerts: 'kiln.alerts.quality',
  /** Sampled requests and responses (stream KILN_CAPTURE), one subject per model. */
  capture: (model: string) => `kiln.capture.${model}`,
  /** Ground truth posted for the captured requests of an endpoint or model. */
  captureTruth: (name: string) => `kiln.capture.${name}.truth`,
  captureAll: 'kiln.capture.>',
} as const

const weight = z.number(expecting('a weight >= 0 (a finite number)')).finite().nonnegative()
const sampleRate = z.number(expecting('a sample rate in (0, 1]')).gt(0).lte(1)
const sha256Hex = z.string(expecting('a sha256 hash (64 lowercase hex digits)')).regex(/^[0-9a-f]{64}$/)

/** One model version behind an endpoint; a shadow variant gets a sampled copy of the traffic. */
export const VariantSchema = z.object(
  {
    name: id('a variant name'),
    model: id('a model name'),
    version: z.number(expecting('a version number >= 1')).int().min(1),
    weight,
    shadow: z.object({ sampleRate }, expecting('shadow settings ({sampleRate})')).optional(),
    /** The model alias this variant follows: when it moves, the variant rolls to its new version. */
    alias: AliasNameSchema.optional(),
  },
  expecting('a variant ({name, model, version, weight, shadow?, alias?})'),
)
export type Variant = z.infer<typeof VariantSchema>

/** Request capture of an endpoint: this share of its requests go to KILN_CAPTURE. */
const capture = z.object(
  { sampleRate: z.number(expecting('a capture rate from 0 to 1')).gte(0).lte(1) },
  expecting('capture settings ({sampleRate})'),
)

const variants = z
  .array(VariantSchema, expecting('a list of 1-16 variants'))
  .min(1)
  .max(16)
  .superRefine((list, ctx) => {
    const seen = new Set<string>()
    for (const [i, v] of list.entries()) {
      if (seen.has(v.name))
        ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `a variant name not used twice (${v.name})` })
      seen.add(v.name)
    }
    if (!list.some((v) => v.shadow === undefined && v.weight > 0)) {
      ctx.addIssue({ code: 'custom', message: 'at least one variant that is not a shadow and has a weight > 0' })
    }
    if (list.filter((v) => v.shadow !== undefined).length > 1)
      ctx.addIssue({ code: 'custom', message: 'at most one shadow variant' })
  })

/** A past state of an endpoint, kept for rollback. */
export const EndpointRevisionSchema = z.object(
  {
    revision: z.number(expecting('a revision number >= 1')).int().min(1),
    variants,
    at: timestamp,
    reason: text(256, 'a reason'),
  },
  expecting('a revision ({revision, variants, at, reason})'),
)
export type EndpointRevision = z.infer<typeof EndpointRevisionSchema>

/** An endpoint as kept in kiln_endpoints (key: its name). */
export const EndpointRecordSchema = message('endpoint', {
  name: id('an endpoint name'),
  /** Counts changes of this record (not the KV revision): 1 on creation. */
  revision: z.number(expecting('a revision number >= 1')).int().min(1),
  variants,
  /** sha256 (hex) of the API keys this endpoint accepts; empty or absent: none needed. */
  apiKeys: z.array(sha256Hex, expecting('a list of at most 64 key hashes')).max(64).optional(),
  capture: capture.optional(),
  history: z
    .array(EndpointRevisionSchema, expecting(`a list of at most ${ENDPOINT_HISTORY} revisions`))
    .max(ENDPOINT_HISTORY),
  reason: text(256, 'a reason'),
  createdAt: timestamp,
  updatedAt: timestamp,
})
export type EndpointRecord = z.infer<typeof EndpointRecordSchema>

const apiKeyHashes = z.array(sha256Hex, expecting('a list of at most 64 key hashes')).max(64).optional()

/**
 * Put a model version behind an endpoint. On a new endpoint it is the only variant; on an
 * existing one it replaces all variants unless `weight` (a canary beside the others) or
 * `shadow` (a shadow variant) is given. No version: the latest one registered.
 */
export const DeployRequestSchema = message('deploy', {
  endpoint: id('an endpoint name'),
  model: id('a model name'),
  version: z.number(expecting('a version number >= 1')).int().min(1).optional(),
  /** Deploy the version this alias names, and follow the alias when it moves (not with version). */
  alias: AliasNameSchema.optional(),
  variant: id('a variant name').optional(),
  weight: weight.optional(),
  shadow: z.object({ sampleRate }, expecting('shadow settings ({sampleRate})')).optional(),
  apiKeys: apiKeyHashes,
  /** Capture settings for the endpoint (kept by later deploys that do not say). */
  capture: capture.optional(),
  /** Allow a rollout to change the endpoint's signature (its inputs and outputs). */
  newSignature: z.boolean(expecting('true or false')).optional(),
})
export type DeployRequest = z.infer<typeof DeployRequestSchema>

/** Set the weights of named variants (others keep theirs). */
export const TrafficRequestSchema = message('traffic', {
  endpoint: id('an endpoint name'),
  weights: z
    .record(id('a variant name'), weight, expecting('an object of variant names to weights'))
    .refine((w) => Object.keys(w).length > 0, { message: 'at least one variant weight' }),
})
export type TrafficRequest = z.infer<typeof TrafficRequestSchema>

/** Make one variant the only one (weight 1, no shadow). */
export const PromoteRequestSchema = message('promote', {
  endpoint: id('an endpoint name'),
  variant: id('a variant name'),
})
export type PromoteRequest = z.infer<typeof PromoteRequestSchema>

/** Go back to a past revision (default: the one before the current). */
export const RollbackRequestSchema = message('rollback', {
  endpoint: id('an endpoint name'),
  toRevision: z.number(expecting('a revision number >= 1')).int().min(1).optional(),
})
export type RollbackRequest = z.infer<typeof RollbackRequestSchema>

/** List endpoints (all, or one by name). */
export const ListEndpointsRequestSchema = message('list endpoints', {
  endpoint: id('an endpoint name').optional(),
})
export type ListEndpointsRequest = z.infer<typeof ListEndpointsRequestSchema>

/** What `kiln.events.endpoint` carries after every change. */
export const EndpointEventSchema = message('endpoint event', {
  op: z.enum(['deploy', 'traffic', 'promote', 'rollback'], expecting('deploy, traffic, promote or rollback')),
  endpoint: id('an endpoint name'),
  revision: count,
  variants,
  at: timestamp,
})
export type EndpointEvent = z.infer<typeof EndpointEventSchema>

/** A drift alert on `kiln.alerts.drift`. */
export const DriftAlertSchema = message('drift alert', {
  model: id('a model name'),
  version: z.number(expecting('a version number >= 1')).int().min(1),
  /** Mean PSI over the monitored input features, and the PSI of the predicted classes. */
  featurePsi: z.number(expecting('a number')),
  predictionPsi: z.number(expecting('a number')).optional(),
  threshold: z.number(expecting('a number')),
  /** Features with the largest PSI, worst first. */
  worst: z.array(z.object({ index: count, psi: z.number() }), expecting('a list of features')).max(32),
  window: count,
  at: timestamp,
})
export type DriftAlert = z.infer<typeof DriftAlertSchema>

/** A model-quality alert on `kiln.alerts.quality`: live accuracy fell below the test accuracy. */
export const QualityAlertSchema = message('quality alert', {
  /** The endpoint (or model) called. */
  name: id('an endpoint or model name'),
  variant: text(128, 'a variant name'),
  model: id('a model name'),
  version: z.number(expecting('a version number >= 1')).int().min(1),
  /** Over the last `window` labelled rows. */
  accuracy: z.number(expecting('a number')),
  baseline: z.number(expecting('a number')),
  threshold: z.number(expecting('a number')),
  window: count,
  at: timestamp,
})
export type QualityAlert = z.infer<typeof QualityAlertSchema>

/** Ask every gateway replica for an endpoint's last minute of traffic. */
export const EndpointStatsRequestSchema = message('endpoint stats', {
  endpoint: id('an endpoint name'),
})
export type EndpointStatsRequest = z.infer<typeof EndpointStatsRequestSchema>

/** One replica's answer: per variant, requests, errors and a latency histogram (on `latencyBounds`). */
export const EndpointStatsSchema = message('endpoint stats reply', {
  gateway: text(128, 'a gateway id'),
  windowS: count,
  latencyBounds: z.array(z.number(expecting('a bound in seconds')), expecting('bucket bounds')).max(256),
  variants: z
    .array(
      z.object(
        {
          variant: text(128, 'a variant name'),
          requests: count,
          errors: count,
          latencyCounts: z.array(count, expecting('bucket counts')).max(257),
          labelled: count.optional(),
          accuracy: z.number(expecting('an accuracy')).optional(),
        },
        expecting('variant stats'),
      ),
      expecting('a list of variants'),
    )
    .max(64),
})
export type EndpointStats = z.infer<typeof EndpointStatsSchema>
