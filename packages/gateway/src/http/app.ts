// The HTTP surface: Open Inference Protocol v2 (health, server and model metadata, readiness,
// infer with JSON or binary tensors, repository control) and /metrics.
import { Hono, type Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { NotFoundError, ValidationError } from '@kiln/protocol'
import type { AccessPolicy } from '../auth/access-policy.js'
import type { ByteBudget } from '../batch/byte-budget.js'
import { PayloadTooLargeError } from '../errors.js'
import type { InferenceService, Target } from '../inference.js'
import { retryAfterS, type Repository } from '../model/repository.js'
import type { ServedVersion } from '../model/served-version.js'
import type { EndpointTable } from '../endpoints/endpoint-table.js'
import type { Capture } from '../monitor/capture.js'
import type { QualityMonitor } from '../monitor/quality-monitor.js'
import { requireKey } from './auth.js'
import { groundTruthRoute } from './ground-truth.js'
import { modelInfoRoutes } from './model-info.js'
import type { BatchConfig } from '../batch/batch-config.js'
import { parseHeaderLength, parseVersion, requestBytes } from './infer-params.js'
import { onError, type ErrorLog } from './on-error.js'

export interface AppDeps {
  inference: InferenceService
  repo: Repository
  endpoints: EndpointTable
  renderMetrics: () => Promise<{ text: string; contentType: string }>
  isReady: () => boolean
  access: AccessPolicy
  budget: ByteBudget
  quality: QualityMonitor
  capture: Capture | undefined
  batch: BatchConfig
  threads: number
  maxBodyBytes: number
  version: string
  logError: ErrorLog
}

/** OIP extensions this server implements. */
export const EXTENSIONS = ['binary_tensor_data', 'model_repository', 'kiln_endpoints']

function target(c: Context): Target {
  const version = parseVersion(c.req.param('version'))
  return { name: c.req.param('name')!, ...(version !== undefined ? { version } : {}) }
}

/** Builds the Hono app. */
export function createApp(d: AppDeps): Hono {
  const app = new Hono()
  app.onError(onError(d.logError))
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${new URL(c.req.url).pathname}` }, 404))
  app.use(
    '*',
    bodyLimit({
      maxSize: d.maxBodyBytes,
      onError: () => {
        throw new PayloadTooLargeError(d.maxBodyBytes)
      },
    }),
  )
  // Every route under a model or endpoint name needs a key that opens that name.
  app.use('/v2/models/:name/*', requireKey(d.access))
  app.use('/v2/repository/models/:name/*', requireKey(d.access))

  app.get('/v2/health/live', (c) => c.json({ live: true }))
  app.get('/v2/health/ready', (c) =>
    d.isReady() ? c.json({ ready: true }) : c.json({ ready: false, error: 'the gateway is starting' }, 503),
  )
  app.get('/v2', (c) => c.json({ name: 'kiln', version: d.version, extensions: EXTENSIONS }))
  app.get('/metrics', async (c) => {
    const { text, contentType } = await d.renderMetrics()
    return c.body(text, 200, { 'content-type': contentType })
  })

  // An endpoint reports the model version its first serving variant points at.
  const resolve = async (t: Target): Promise<{ entry: ServedVersion; name: string; versions: string[] }> => {
    const endpoint = t.version === undefined ? d.endpoints.get(t.name) : undefined
    if (endpoint) {
      const primary = endpoint.variants.find((v) => v.shadow === undefined && v.weight > 0)!
      const entry = await d.repo.acquire(primary.model, primary.version)
      return { entry, name: endpoint.name, versions: endpoint.variants.map((v) => String(v.version)) }
    }
    if (!d.repo.hasModel(t.name)) throw new NotFoundError('model or endpoint', t.name)
    const entry = await d.repo.acquire(t.name, t.version)
    const versions = d.repo
      .list()
      .filter((v) => v.model === t.name)
      .map((v) => String(v.version))
    return { entry, name: t.name, versions }
  }

  const metadata = async (c: Context) => {
    const { entry, name, versions } = await resolve(target(c))
    const sig = entry.signature!
    const tensor = (s: { name: string; datatype: string; shape: number[] }) => ({
      name: s.name,
      datatype: s.datatype,
      shape: s.shape,
    })
    return c.json({
      name,
      versions,
      platform: 'tensorflowjs_layers',
      inputs: sig.inputs.map(tensor),
      outputs: sig.outputs.map(tensor),
    })
  }
  app.get('/v2/models/:name', metadata)
  app.get('/v2/models/:name/versions/:version', metadata)

  // Ready means servable: loaded, or loadable on the first request (evicted versions are).
  // Each version says its state, and why and how often its loads failed.
  const ready = async (c: Context) => {
    const t = target(c)
    const endpoint = t.version === undefined ? d.endpoints.get(t.name) : undefined
    const wanted = endpoint
      ? endpoint.variants
          .filter((v) => v.shadow === undefined && v.weight > 0)
          .map((v) => [v.model, v.version] as const)
      : [[t.name, t.version] as const]
    const versions = d.repo
      .list()
      .filter((v) => wanted.some(([m, n]) => v.model === m && (n === undefined || v.version === n)))
    if (versions.length === 0)
      throw new NotFoundError(
        t.version === undefined ? 'model or endpoint' : 'model version',
        t.version === undefined ? t.name : `${t.name}@${t.version}`,
      )
    // A load being retried is not servable, even while its next try runs.
    const servable = (v: ServedVersion) =>
      v.state === 'ready' || v.state === 'available' || (v.state === 'loading' && v.attempts === 0)
    // An endpoint is ready when every serving variant is; a model when any version is.
    const isReady = endpoint ? versions.every(servable) : versions.some(servable)
    return c.json({ name: t.name, ready: isReady, versions: versions.map(versionStatus) }, isReady ? 200 : 400)
  }
  app.get('/v2/models/:name/ready', ready)
  app.get('/v2/models/:name/versions/:version/ready', ready)

  // As the fast infer path: the byte budget is reserved before the body is read.
  const infer = async (c: Context) => {
    const limit = Math.min(d.maxBodyBytes, d.budget.limitBytes)
    const release = d.budget.admit(
      requestBytes(c.req.header('content-length'), c.req.header('transfer-encoding'), limit),
    )
    try {
      const body = new Uint8Array(await c.req.arrayBuffer())
      const out = await d.inference.infer(
        target(c),
        body,
        parseHeaderLength(c.req.header('inference-header-content-length')),
      )
      return c.body(out.body as string, 200, out.headers)
    } finally {
      release()
    }
  }
  modelInfoRoutes(app, { repo: d.repo, endpoints: d.endpoints, batch: d.batch, threads: d.threads })
  groundTruthRoute(app, {
    quality: d.quality,
    capture: d.capture,
    classNamesOf: (name) => {
      const primary = d.endpoints.get(name)?.variants.find((v) => v.shadow === undefined && v.weight > 0)
      const entry = primary
        ? d.repo.list().find((v) => v.model === primary.model && v.version === primary.version)
        : d.repo.latest(name)
      return entry?.signature?.outputs[0]?.classNames
    },
  })
  app.post('/v2/models/:name/infer', infer)
  app.post('/v2/models/:name/versions/:version/infer', infer)

  // The index needs a gateway-wide key when there is one, and lists only the models the
  // caller's key opens.
  app.post('/v2/repository/index', (c) => {
    const authorization = c.req.header('authorization')
    d.access.check(undefined, authorization)
    return c.json(
      d.repo
        .list()
        .filter((v) => d.access.allows(v.model, authorization))
        .map((v) => ({ name: v.model, ...versionStatus(v) })),
    )
  })
  app.post('/v2/repository/models/:name/load', async (c) => {
    const entry = await d.repo.load(c.req.param('name'), await versionParam(c))
    return c.json({ name: entry.model, version: String(entry.version), state: entry.state.toUpperCase() })
  })
  app.post('/v2/repository/models/:name/unload', async (c) => {
    const done = d.repo.unload(c.req.param('name'), await versionParam(c))
    return c.json({ name: c.req.param('name'), unloaded: done.map((v) => String(v.version)) })
  })
  return app
}

/** A version's serving state as ready and the repository index report it. */
function versionStatus(v: ServedVersion) {
  return {
    version: String(v.version),
    state: v.state.toUpperCase(),
    reason: v.reason ?? '',
    attempts: v.attempts,
    ...(v.retryAt !== undefined ? { retry_in_s: retryAfterS(v) } : {}),
  }
}

// Repository requests may name a version in the body: {"parameters": {"version": "2"}}.
async function versionParam(c: Context): Promise<number | undefined> {
  const text = await c.req.text()
  if (text.trim() === '') return undefined
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new ValidationError('body', 'a JSON object (or nothing)', { got: 'invalid JSON' })
  }
  const v = (body as { parameters?: { version?: unknown } } | null)?.parameters?.version
  if (v === undefined) return undefined
  return parseVersion(String(v))
}
