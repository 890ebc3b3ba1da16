// Endpoints through the gateways' NATS API (kiln.gateway.api.<op>; any gateway replica
// answers), and `predict`: an Open Inference Protocol v2 call over HTTP.
import type { NatsConnection } from '@nats-io/transport-node'
import { z } from 'zod'
import {
  DeployRequestSchema,
  EndpointRecordSchema,
  ErrorCode,
  GatewaySubjects,
  KilnError,
  ListEndpointsRequestSchema,
  PROTOCOL_VERSION,
  PromoteRequestSchema,
  RollbackRequestSchema,
  TrafficRequestSchema,
  type EndpointRecord,
} from '@kiln/protocol'
import { call } from './request.js'

export interface DeployOptions {
  /** Default: the model's name. */
  endpoint?: string
  /** Default: the latest registered version. */
  version?: number
  /** Deploy the version this model alias names, and roll to its new target whenever it moves. */
  alias?: string
  /** Variant name (default `<model>-v<version>`). */
  variant?: string
  /** Add beside the current variants with this weight (a canary) instead of replacing them. */
  weight?: number
  /** Add as the shadow variant, mirroring this share of the traffic. */
  shadowRate?: number
  /** sha256 hashes of the API keys the endpoint accepts (see hashApiKey in @kiln/gateway). */
  apiKeyHashes?: string[]
  /** Share of the endpoint's requests captured to KILN_CAPTURE (kept by later deploys). */
  captureRate?: number
  /** Let a rollout change the endpoint's signature (else a different signature is refused). */
  newSignature?: boolean
}

const v: typeof PROTOCOL_VERSION = PROTOCOL_VERSION

async function gatewayCall<S extends z.ZodTypeAny, R extends z.ZodTypeAny>(
  nc: NatsConnection,
  subject: string,
  schema: S,
  body: z.input<S>,
  reply: R,
  timeoutMs?: number,
): Promise<z.output<R>> {
  try {
    // No retries: a cluster may run no gateway at all, and `kiln status` should say so at once.
    return await call(nc, subject, schema, body, reply, {
      retryForMs: 0,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    })
  } catch (err) {
    if (err instanceof KilnError && err.code === ErrorCode.unavailable && /nothing answers/.test(err.message)) {
      throw new KilnError(
        ErrorCode.unavailable,
        `no gateway answers ${subject}: start one with kiln gateway --nats URL`,
        { cause: err },
      )
    }
    throw err
  }
}

/** Endpoint operations of one cluster connection. */
export class EndpointsClient {
  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs?: number,
  ) {}

  /** Puts model@version behind an endpoint (a rollout, a canary with `weight`, or a shadow). */
  async deploy(model: string, o: DeployOptions = {}): Promise<EndpointRecord> {
    const body = {
      v,
      endpoint: o.endpoint ?? model,
      model,
      ...(o.version !== undefined ? { version: o.version } : {}),
      ...(o.alias !== undefined ? { alias: o.alias } : {}),
      ...(o.variant !== undefined ? { variant: o.variant } : {}),
      ...(o.weight !== undefined ? { weight: o.weight } : {}),
      ...(o.shadowRate !== undefined ? { shadow: { sampleRate: o.shadowRate } } : {}),
      ...(o.apiKeyHashes ? { apiKeys: o.apiKeyHashes } : {}),
      ...(o.captureRate !== undefined ? { capture: { sampleRate: o.captureRate } } : {}),
      ...(o.newSignature ? { newSignature: true } : {}),
    }
    return gatewayCall(
      this.nc,
      GatewaySubjects.api.deploy,
      DeployRequestSchema,
      body,
      EndpointRecordSchema,
      this.timeoutMs,
    )
  }

  /** Sets variant weights: `{ "m-v1": 90, "m-v2": 10 }`. */
  async traffic(endpoint: string, weights: Record<string, number>): Promise<EndpointRecord> {
    return gatewayCall(
      this.nc,
      GatewaySubjects.api.traffic,
      TrafficRequestSchema,
      { v, endpoint, weights },
      EndpointRecordSchema,
      this.timeoutMs,
    )
  }

  /** Makes one variant the only one. */
  async promote(endpoint: string, variant: string): Promise<EndpointRecord> {
    return gatewayCall(
      this.nc,
      GatewaySubjects.api.promote,
      PromoteRequestSchema,
      { v, endpoint, variant },
      EndpointRecordSchema,
      this.timeoutMs,
    )
  }

  /** Returns to the previous revision (or `toRevision`). */
  async rollback(endpoint: string, toRevision?: number): Promise<EndpointRecord> {
    const body = { v, endpoint, ...(toRevision !== undefined ? { toRevision } : {}) }
    return gatewayCall(
      this.nc,
      GatewaySubjects.api.rollback,
      RollbackRequestSchema,
      body,
      EndpointRecordSchema,
      this.timeoutMs,
    )
  }

  /** Every endpoint (or the one named). */
  async list(endpoint?: string): Promise<EndpointRecord[]> {
    return gatewayCall(
      this.nc,
      GatewaySubjects.api.list,
      ListEndpointsRequestSchema,
      { v, ...(endpoint ? { endpoint } : {}) },
      z.array(EndpointRecordSchema),
      this.timeoutMs,
    )
  }
}

/** One input of a predict call. */
export interface PredictInput {
  name: string
  shape: number[]
  data: Float32Array | number[]
}

export interface PredictOptions {
  /** Bearer key. */
  apiKey?: string
  version?: number
  /** Send and receive tensors with the binary data extension (default true). */
  binary?: boolean
  signal?: AbortSignal
}

/** What predict returns: the outputs as float32, and who answered. */
export interface PredictResult {
  model: string
  version: string
  parameters?: Record<string, unknown>
  outputs: { name: string; shape: number[]; data: Float32Array }[]
}

interface OipOutput {
  name: string
  shape: number[]
  data?: number[]
  parameters?: { binary_data_size?: number }
}

/** Calls POST /v2/models/{name}[/versions/{v}]/infer on a gateway at `baseUrl`; throws KilnError with the server's message. */
export async function predict(
  baseUrl: string,
  name: string,
  inputs: PredictInput[],
  o: PredictOptions = {},
): Promise<PredictResult> {
  const binary = o.binary ?? true
  const path = `/v2/models/${encodeURIComponent(name)}${o.version !== undefined ? `/versions/${o.version}` : ''}/infer`
  const blobs: Uint8Array[] = []
  const header = {
    inputs: inputs.map((t) => {
      const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data)
      if (!binary) return { name: t.name, datatype: 'FP32', shape: t.shape, data: Array.from(data) }
      blobs.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
      return { name: t.name, datatype: 'FP32', shape: t.shape, parameters: { binary_data_size: data.byteLength } }
    }),
    ...(binary ? { parameters: { binary_data_output: true } } : {}),
  }
  const json = new TextEncoder().encode(JSON.stringify(header))
  const body = Buffer.concat([json, ...blobs])
  const res = await fetch(baseUrl.replace(/\/$/, '') + path, {
    method: 'POST',
    body,
    headers: {
      'content-type': binary ? 'application/octet-stream' : 'application/json',
      ...(binary ? { 'inference-header-content-length': String(json.byteLength) } : {}),
      ...(o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {}),
    },
    ...(o.signal ? { signal: o.signal } : {}),
  })
  const bytes = new Uint8Array(await res.arrayBuffer())
  if (!res.ok) {
    let message = `HTTP ${res.status}`
    try {
      message = (JSON.parse(new TextDecoder().decode(bytes)) as { error?: string }).error ?? message
    } catch {
      /* not JSON */
    }
    const code =
      res.status === 404
        ? ErrorCode.notFound
        : res.status === 400
          ? ErrorCode.invalidArgument
          : res.status === 503
            ? ErrorCode.unavailable
            : res.status === 504
              ? ErrorCode.timeout
              : res.status === 401
                ? 'unauthenticated'
                : ErrorCode.internal
    throw new KilnError(code, message, { data: { status: res.status } })
  }
  const headLen = Number(res.headers.get('inference-header-content-length') ?? bytes.byteLength)
  const parsed = JSON.parse(new TextDecoder().decode(bytes.subarray(0, headLen))) as {
    model_name: string
    model_version: string
    parameters?: Record<string, unknown>
    outputs: OipOutput[]
  }
  let offset = headLen
  const outputs = parsed.outputs.map((out) => {
    const size = out.parameters?.binary_data_size
    if (size === undefined) return { name: out.name, shape: out.shape, data: Float32Array.from(out.data ?? []) }
    const data = new Float32Array(bytes.slice(offset, offset + size).buffer)
    offset += size
    return { name: out.name, shape: out.shape, data }
  })
  return {
    model: parsed.model_name,
    version: parsed.model_version,
    ...(parsed.parameters ? { parameters: parsed.parameters } : {}),
    outputs,
  }
}
