// One inference request, end to end: which model version serves it (endpoint routing or the
// model itself), API key, parsing and checking the tensors against the model, the batching
// queue, the response, and the side paths (shadow copy, monitor, capture, metrics).
import { randomUUID } from 'node:crypto'
import { NotFoundError, ValidationError } from '@kiln/protocol'
import type { QualityMonitor } from './monitor/quality-monitor.js'
import type { VariantStats } from './monitor/variant-stats.js'
import type { DriftMonitor } from './monitor/drift-monitor.js'
import type { Capture } from './monitor/capture.js'
import type { EndpointTable } from './endpoints/endpoint-table.js'
import { routeRequest } from './endpoints/router.js'
import { statusFor } from './http/status.js'
import type { GatewayMetrics } from './metrics/gateway-metrics.js'
import type { Repository } from './model/repository.js'
import { modelInputs } from './model/raw-input.js'
import type { ServedVersion } from './model/served-version.js'
import { parseInferRequest, type InferRequest } from './tensor/infer-request.js'
import { encodeInferResponse, selectOutputs, type ResponseBody } from './tensor/infer-response.js'
import type { ModelSignature } from '@kiln/train/model-format'
import type { WireTensor } from './worker/messages.js'

export interface InferenceDeps {
  repo: Repository
  endpoints: EndpointTable
  metrics: GatewayMetrics
  monitors: Map<ServedVersion, DriftMonitor>
  /** Publishes captured exchanges (NATS only). */
  capture: Capture | undefined
  /** Share of requests captured when the endpoint does not say (direct model calls). */
  captureRate: number
  quality: QualityMonitor
  /** Last minute per endpoint variant (kiln endpoint show). */
  variantStats: VariantStats
  random: () => number
}

/** The label value of a model or version that does not exist (keeps /metrics bounded). */
export const UNKNOWN_LABEL = '_unknown_'

/** What a request addresses: `/v2/models/{name}[/versions/{version}]`. */
export interface Target {
  name: string
  version?: number
}

/**
 * Orders the request's inputs as the model's, checking names, shapes and, unless the model
 * takes missing values (gbdt), that every value is a number.
 */
export function bindInputs(
  req: InferRequest,
  sig: ModelSignature,
  acceptsMissing = false,
): { inputs: WireTensor[]; rows: number } {
  req.inputs.forEach((t, i) => {
    if (t.missingAt !== undefined && !acceptsMissing)
      throw new ValidationError(`inputs[${i}].data[${t.missingAt}]`, 'a finite number', { got: 'NaN' })
    if (!sig.inputs.some((s) => s.name === t.name)) {
      throw new ValidationError(
        `inputs[${i}].name`,
        `one of the model's inputs (${sig.inputs.map((s) => JSON.stringify(s.name)).join(', ')})`,
        { got: JSON.stringify(t.name.slice(0, 64)) },
      )
    }
  })
  let rows = -1
  const inputs = sig.inputs.map((spec) => {
    const i = req.inputs.findIndex((t) => t.name === spec.name)
    if (i < 0)
      throw new ValidationError(
        'inputs',
        `an input named ${JSON.stringify(spec.name)} of shape [${spec.shape.join(',')}]`,
        { got: 'nothing' },
      )
    const t = req.inputs[i]!
    const fits = t.shape.length === spec.shape.length && spec.shape.every((d, k) => d === -1 || d === t.shape[k])
    if (!fits)
      throw new ValidationError(`inputs[${i}].shape`, `[${spec.shape.join(',')}] (-1: any size)`, {
        got: `[${t.shape.join(',')}]`,
      })
    const n = t.shape[0]!
    if (n < 1) throw new ValidationError(`inputs[${i}].shape[0]`, 'a batch of at least 1', { got: String(n) })
    if (rows >= 0 && n !== rows)
      throw new ValidationError(`inputs[${i}].shape[0]`, `the same batch size as the other inputs (${rows})`, {
        got: String(n),
      })
    rows = n
    return { shape: t.shape, data: t.data }
  })
  return { inputs, rows }
}

/** The index of the largest value in each row (the predicted class). */
export function argmaxRows(t: WireTensor): Int32Array {
  const rows = t.shape[0] ?? 0
  const width = t.data.length / Math.max(1, rows)
  const out = new Int32Array(rows)
  for (let r = 0; r < rows; r++) {
    let best = 0
    for (let j = 1; j < width; j++) if (t.data[r * width + j]! > t.data[r * width + best]!) best = j
    out[r] = best
  }
  return out
}

/** Serves inference requests. */
export class InferenceService {
  constructor(private readonly d: InferenceDeps) {}

  /** Runs one request (its caller has checked the API key: see auth/access-policy.ts). */
  async infer(target: Target, body: Uint8Array, headerLength: number | undefined): Promise<ResponseBody> {
    const started = performance.now()
    const endpoint = target.version === undefined ? this.d.endpoints.get(target.name) : undefined
    const route = endpoint ? routeRequest(endpoint, this.d.random) : undefined
    const model = route?.primary.model ?? target.name
    const version = route?.primary.version ?? target.version
    const variant = route?.primary.name ?? '-'
    // Label values only for names that exist: made-up names would grow /metrics without bound.
    const known = endpoint !== undefined || this.d.repo.hasModel(model)
    const labels = {
      model: known ? model : UNKNOWN_LABEL,
      version:
        version === undefined ? 'latest' : known && this.d.repo.has(model, version) ? String(version) : UNKNOWN_LABEL,
      variant,
      status: '200',
    }
    let entry: ServedVersion | undefined
    try {
      if (!known) throw new NotFoundError('model or endpoint', target.name)
      const req = parseInferRequest(body, headerLength)
      entry = await this.d.repo.acquire(model, version)
      labels.version = String(entry.version)
      const bound = bindInputs(req, entry.signature!, entry.acceptsMissing)
      const { rows } = bound
      const inputs = modelInputs(entry.metadata, bound.inputs)
      const copies = route?.shadow ? inputs.map((t) => ({ shape: t.shape, data: t.data.slice() })) : undefined
      const outputs = await entry.batcher!.submit(inputs)
      const sig = entry.signature!
      const named = outputs.map((o, i) => ({ name: sig.outputs[i]!.name, ...o }))
      // A captured request always has an id (the client's, or one made here and answered), so
      // its ground truth can be posted later.
      const rate = endpoint?.capture?.sampleRate ?? this.d.captureRate
      const captured = rate > 0 && this.d.random() < rate
      const id = captured ? (req.id ?? randomUUID()) : req.id
      const response = encodeInferResponse(
        {
          model,
          version: entry.version,
          ...(id !== undefined ? { id } : {}),
          ...(endpoint ? { parameters: { endpoint: endpoint.name, variant } } : {}),
        },
        selectOutputs(
          named.map((o, i) => (sig.outputs[i]!.classNames ? { ...o, classNames: sig.outputs[i]!.classNames } : o)),
          req.outputs,
          req.binaryOutput,
        ),
      )
      const seconds = (performance.now() - started) / 1000
      this.d.metrics.requestSeconds.observe({ model, version: labels.version }, seconds)
      this.d.monitors.get(entry)?.observe(inputs[0]!.data, rows, outputs[0]?.data)
      if (route?.shadow && copies) this.shadow(endpoint!.name, route.shadow, copies, outputs[0]!)
      if (captured) {
        const name = endpoint?.name ?? model
        const baseline = entry.metadata?.metrics?.test?.accuracy
        if (outputs[0]) {
          const classes = argmaxRows(outputs[0])
          this.d.quality.remember(id!, {
            name,
            variant,
            model,
            version: entry.version,
            classes,
            ...(baseline !== undefined ? { baseline } : {}),
          })
        }
        this.d.metrics.captured.inc({ model })
        this.d.capture?.publish(name, {
          model,
          version: entry.version,
          ...(endpoint ? { endpoint: endpoint.name, variant } : {}),
          id: id!,
          inputs: inputs.map((t, i) => ({ name: sig.inputs[i]!.name, ...t })),
          outputs: named,
          latencyMs: seconds * 1000,
          at: Date.now(),
        })
      }
      return response
    } catch (err) {
      labels.status = String(statusFor(err))
      throw err
    } finally {
      this.d.metrics.requests.inc(labels)
      const seconds = (performance.now() - started) / 1000
      const ok = labels.status === '200'
      if (endpoint) this.d.variantStats.record(endpoint.name, variant, seconds, ok)
      if (entry) {
        const d = ok ? entry.stats.success : entry.stats.fail
        d.count++
        d.ns += Math.round(seconds * 1e9)
        entry.stats.lastInference = Date.now()
      }
    }
  }

  // The shadow's answer is never returned: only whether its predicted classes agree with the
  // served answer, and how long it took.
  private shadow(
    endpoint: string,
    variant: { name: string; model: string; version: number },
    inputs: WireTensor[],
    served: WireTensor,
  ): void {
    const labels = { endpoint, variant: variant.name }
    const started = performance.now()
    this.d.metrics.shadowRequests.inc(labels)
    void (async () => {
      const entry = await this.d.repo.acquire(variant.model, variant.version)
      const outputs = await entry.batcher!.submit(inputs)
      this.d.metrics.shadowSeconds.observe(labels, (performance.now() - started) / 1000)
      const a = argmaxRows(served)
      const b = argmaxRows(outputs[0]!)
      if (a.length === b.length && a.every((c, i) => c === b[i])) this.d.metrics.shadowAgreements.inc(labels)
    })().catch(() => this.d.metrics.shadowErrors.inc(labels))
  }
}
