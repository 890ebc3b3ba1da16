// deploy: a model version behind an endpoint through the gateways' NATS API. Without
// `canary` it is a rollout (the version replaces the endpoint's variants). With it, the
// version joins as a weighted variant beside what serves now; once it has answered
// `requests` requests (counted from the gateway's /metrics) it is promoted if its failed
// share (5xx answers) and drift stay within bounds, else the endpoint is rolled back and
// the pipeline stops there. As a shadow it answers copies of requests instead, and its share
// of answers that agree with the served ones (predicted class) is judged too. Each change is made only if the endpoint does not show it yet,
// so a resumed step does not deploy twice.
import { call } from '@kiln/cluster-state'
import {
  DeployRequestSchema,
  EndpointRecordSchema,
  GatewaySubjects,
  ListEndpointsRequestSchema,
  PromoteRequestSchema,
  RollbackRequestSchema,
  parsePromText,
  type EndpointRecord,
} from '@kiln/protocol'
import { z } from 'zod'
import { materializeModel, type VersionRef } from './model-steps.js'
import { pause, type StepContext, type StepExecutor } from './step-executor.js'

const LIST_REPLY = z.array(EndpointRecordSchema)
const NO_GATEWAY = 'start a gateway (kiln gateway --nats URL)'

interface Canary {
  weight: number
  requests: number
  maxErrorRate: number
  maxDrift?: number
  shadow: boolean
  minAgreement?: number
  timeout: number
}

interface Counts {
  requests: number
  failed: number
  agreed: number
  drift: number | undefined
}

async function endpointOf(ctx: StepContext, name: string): Promise<EndpointRecord | undefined> {
  const list = await call(
    ctx.deps.nc,
    GatewaySubjects.api.list,
    ListEndpointsRequestSchema,
    { v: 1, endpoint: name },
    LIST_REPLY,
    { noResponders: NO_GATEWAY },
  ).catch((err: unknown) => {
    // No endpoint of that name yet: the first deploy creates it.
    if ((err as { code?: string }).code === 'not_found') return []
    throw err
  })
  return list.find((e) => e.name === name)
}

const gatewayCall = <S extends z.ZodTypeAny>(ctx: StepContext, subject: string, schema: S, body: z.input<S>) =>
  call(ctx.deps.nc, subject, schema, body, EndpointRecordSchema, { noResponders: NO_GATEWAY })

// The variant's answers so far (a shadow's: those it finished), failed, agreeing with the
// served answer (shadow), and its drift, from the gateway's metrics.
async function variantCounts(url: string, endpoint: string, variant: string, model: VersionRef): Promise<Counts> {
  const res = await fetch(`${url.replace(/\/$/, '')}/metrics`)
  if (!res.ok) throw new Error(`${url}/metrics answered ${res.status}`)
  const c: Counts = { requests: 0, failed: 0, agreed: 0, drift: undefined }
  const shadow = { answered: 0, failed: 0, agreed: 0, seen: false }
  for (const s of parsePromText(await res.text())) {
    const ours = s.labels.endpoint === endpoint && s.labels.variant === variant
    if (s.name === 'kiln_gateway_requests_total' && s.labels.variant === variant && s.labels.model === model.name) {
      c.requests += s.value
      if (/^5/.test(s.labels.status ?? '')) c.failed += s.value
    } else if (s.name === 'kiln_gateway_shadow_duration_seconds_count' && ours) {
      shadow.answered += s.value
      shadow.seen = true
    } else if (s.name === 'kiln_gateway_shadow_errors_total' && ours) {
      shadow.failed += s.value
      shadow.seen = true
    } else if (s.name === 'kiln_gateway_shadow_agreements_total' && ours) {
      shadow.agreed += s.value
    } else if (
      s.name === 'kiln_gateway_drift_feature_psi' &&
      s.labels.model === model.name &&
      s.labels.version === String(model.version)
    ) {
      c.drift = s.value
    }
  }
  if (shadow.seen)
    Object.assign(c, { requests: shadow.answered + shadow.failed, failed: shadow.failed, agreed: shadow.agreed })
  return c
}

// Why a canary that answered `seen` is rolled back; undefined when it is promoted.
function verdict(canary: Canary, seen: Counts): string | undefined {
  const rate = seen.requests > 0 ? seen.failed / seen.requests : 0
  const answered = seen.requests - seen.failed
  const agreement = answered > 0 ? seen.agreed / answered : 0
  if (seen.requests < canary.requests)
    return `only ${seen.requests} of ${canary.requests} requests within ${canary.timeout} s`
  if (rate > canary.maxErrorRate)
    return `error rate ${rate.toFixed(3)} (${seen.failed} of ${seen.requests} failed) > ${canary.maxErrorRate}`
  if (canary.maxDrift !== undefined && seen.drift !== undefined && seen.drift > canary.maxDrift)
    return `drift ${seen.drift.toFixed(3)} > ${canary.maxDrift}`
  if (canary.shadow && canary.minAgreement !== undefined && agreement < canary.minAgreement)
    return `agreement ${agreement.toFixed(3)} (${seen.agreed} of ${answered} answers) < ${canary.minAgreement}`
  return undefined
}

/** deploy: a rollout, or a canary judged by its requests and promoted or rolled back. */
export const deployStep: StepExecutor = {
  materialize: materializeModel,
  run: async (ctx) => {
    const model = ctx.inputs.model as VersionRef
    const endpoint = String(ctx.inputs.endpoint)
    const variant = `${model.name}-v${model.version}`
    const current = await endpointOf(ctx, endpoint)
    const serving = current?.variants.some((v) => v.model === model.name && v.version === model.version)
    const only = serving && current!.variants.length === 1
    const canary = ctx.inputs.canary as Canary | undefined
    const outputs = (outcome: string) => ({ endpoint, outcome, model })
    if (only) return { outputs: outputs('already serving') }
    if (!canary || !current) {
      await gatewayCall(ctx, GatewaySubjects.api.deploy, DeployRequestSchema, {
        v: 1,
        endpoint,
        model: model.name,
        version: model.version,
      })
      return { outputs: outputs(current ? 'rolled out' : 'deployed') }
    }
    const url = (ctx.inputs.gateway as string | undefined) ?? ctx.deps.gatewayUrl
    if (!url)
      throw new Error('a canary needs the gateway URL: set deploy.gateway, or start the coordinator with --gateway-url')
    let record = current
    if (!serving)
      record = await gatewayCall(ctx, GatewaySubjects.api.deploy, DeployRequestSchema, {
        v: 1,
        endpoint,
        model: model.name,
        version: model.version,
        variant,
        ...(canary.shadow ? { shadow: { sampleRate: canary.weight } } : { weight: canary.weight }),
      })
    const name = record.variants.find((v) => v.model === model.name && v.version === model.version)?.name ?? variant
    const start = await variantCounts(url, endpoint, name, model)
    const deadline = Date.now() + canary.timeout * 1000
    let seen: Counts = { requests: 0, failed: 0, agreed: 0, drift: undefined }
    while (Date.now() < deadline) {
      const now = await variantCounts(url, endpoint, name, model)
      seen = {
        requests: now.requests - start.requests,
        failed: now.failed - start.failed,
        agreed: now.agreed - start.agreed,
        drift: now.drift,
      }
      if (seen.requests >= canary.requests) break
      await pause(ctx.deps.pollMs, ctx.signal)
    }
    const why = verdict(canary, seen)
    if (why) {
      await gatewayCall(ctx, GatewaySubjects.api.rollback, RollbackRequestSchema, { v: 1, endpoint })
      return {
        outputs: outputs('rolled back'),
        stop: `${canary.shadow ? 'shadow' : 'canary'} ${name} rolled back: ${why}`,
      }
    }
    await gatewayCall(ctx, GatewaySubjects.api.promote, PromoteRequestSchema, { v: 1, endpoint, variant: name })
    return { outputs: outputs('promoted') }
  },
}
