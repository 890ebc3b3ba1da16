// Triton's model configuration (GET /v2/models/{name}/config) and statistics extension
// (GET /v2/models/{name}[/versions/{version}]/stats), as far as they fit Kiln: TF.js layers
// models on CPU threads with dynamic batching.
import type { Context, Hono } from 'hono'
import { NotFoundError } from '@kiln/protocol'
import type { BatchConfig } from '../batch/batch-config.js'
import type { EndpointTable } from '../endpoints/endpoint-table.js'
import type { Repository } from '../model/repository.js'
import type { ServedVersion, StatDuration } from '../model/served-version.js'
import { parseVersion } from './infer-params.js'

export interface ModelInfoDeps {
  repo: Repository
  endpoints: EndpointTable
  batch: BatchConfig
  threads: number
}

/** The versions a name stands for: an endpoint's variants, or a model's versions (one with `version`). */
function versionsOf(d: ModelInfoDeps, name: string, version: number | undefined): ServedVersion[] {
  const endpoint = version === undefined ? d.endpoints.get(name) : undefined
  const all = d.repo.list()
  const out = endpoint
    ? all.filter((v) => endpoint.variants.some((x) => x.model === v.model && x.version === v.version))
    : all.filter((v) => v.model === name && (version === undefined || v.version === version))
  if (out.length === 0)
    throw new NotFoundError(
      version === undefined ? 'model or endpoint' : 'model version',
      version === undefined ? name : `${name}@${version}`,
    )
  return out
}

const duration = (s: StatDuration) => ({ count: s.count, ns: s.ns })

/** Adds the config and stats routes (behind the key middleware of /v2/models/{name}/*). */
export function modelInfoRoutes(app: Hono, d: ModelInfoDeps): void {
  app.get('/v2/models/:name/config', async (c) => {
    const name = c.req.param('name')
    const versions = versionsOf(d, name, undefined)
    const endpoint = d.endpoints.get(name)
    const primary = endpoint?.variants.find((v) => v.shadow === undefined && v.weight > 0)
    const entry = await d.repo.acquire(primary?.model ?? name, primary?.version)
    const tensor = (t: { name: string; shape: number[]; classNames?: readonly string[] }) => ({
      name: t.name,
      data_type: 'TYPE_FP32',
      dims: t.shape.slice(1),
      ...(t.classNames ? { label_names: t.classNames } : {}),
    })
    return c.json({
      name,
      platform: 'tensorflowjs_layers',
      backend: 'kiln',
      versions: versions.map((v) => String(v.version)),
      max_batch_size: d.batch.maxBatch,
      input: entry.signature!.inputs.map(tensor),
      output: entry.signature!.outputs.map(tensor),
      dynamic_batching: {
        preferred_batch_size: d.batch.preferredSizes,
        max_queue_delay_microseconds: d.batch.maxDelayUs,
        default_queue_policy: {
          max_queue_size: d.batch.queueLimit,
          default_timeout_microseconds: d.batch.timeoutMs * 1000,
        },
      },
      instance_group: [{ count: d.threads, kind: 'KIND_CPU' }],
    })
  })
  const stats = (c: Context) => {
    const version = parseVersion(c.req.param('version'))
    return c.json({
      model_stats: versionsOf(d, c.req.param('name')!, version).map((v) => ({
        name: v.model,
        version: String(v.version),
        state: v.state.toUpperCase(),
        last_inference: v.stats.lastInference,
        inference_count: v.stats.inferenceCount,
        execution_count: v.stats.executionCount,
        inference_stats: {
          success: duration(v.stats.success),
          fail: duration(v.stats.fail),
          queue: duration(v.stats.queue),
          compute_infer: duration(v.stats.computeInfer),
        },
      })),
    })
  }
  app.get('/v2/models/:name/stats', stats)
  app.get('/v2/models/:name/versions/:version/stats', stats)
}
