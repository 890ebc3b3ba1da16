// The registry changes people make (what `kiln.api.models` carries): move an alias, approve
// or reject a version, archive or delete one, and the approval setting; plus the checks
// that deploy makes with them. Each change is validated against the registry before it is
// written and writes nothing when refused.
import {
  APPROVAL_HISTORY,
  EndpointRecordSchema,
  ErrorCode,
  KilnError,
  approvalOf,
  decode,
  type EndpointRecord,
  type ModelRegistryRecord,
  type ModelVersionRecord,
  type ModelsReply,
  type ModelsRequest,
} from '@kiln/protocol'
import type { Layout } from './ensure-layout.js'
import { resolveModelRef, type ModelRef } from './model-ref.js'
import {
  changeRegistryRecord,
  readRegistryRecord,
  readRegistrySettings,
  writeRegistrySettings,
} from './registry-records.js'

type OpsLayout = Pick<Layout, 'kv' | 'objects'>

/** Endpoint names serving each `model@version` (any variant, shadows included), from endpoint records. */
export function endpointsServing(records: Iterable<EndpointRecord>): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const record of records) {
    for (const v of record.variants) {
      const at = `${v.model}@${v.version}`
      const names = out.get(at) ?? []
      if (!names.includes(record.name)) names.push(record.name)
      out.set(at, names)
    }
  }
  return out
}

/** Endpoint names serving each `model@version`, read from kiln_endpoints. */
export async function servingEndpoints(layout: Pick<Layout, 'kv'>): Promise<Map<string, string[]>> {
  const kv = layout.kv.endpoints
  const keys: string[] = []
  for await (const k of await kv.keys()) keys.push(k)
  const records: EndpointRecord[] = []
  for (const k of keys) {
    const entry = await kv.get(k)
    if (!entry || entry.operation !== 'PUT' || entry.value.length === 0) continue
    try {
      records.push(decode(EndpointRecordSchema, entry.value))
    } catch {
      // a malformed record serves nothing
    }
  }
  return endpointsServing(records)
}

/** Applies one registry change. */
export async function applyModelsRequest(layout: OpsLayout, req: ModelsRequest): Promise<ModelsReply> {
  if (req.op === 'settings')
    return { settings: await writeRegistrySettings(layout, { requireApproval: req.requireApproval, by: req.by }) }
  const record = await resolveModelRef(layout, {
    model: req.model,
    ...(req.op !== 'unalias' ? { version: req.version } : {}),
  })
  switch (req.op) {
    case 'alias':
      await assertLoadable(layout, record)
      return {
        registry: await changeRegistryRecord(layout, req.model, (cur) => ({
          ...cur,
          aliases: { ...cur.aliases, [req.alias]: req.version },
        })),
      }
    case 'unalias':
      return {
        registry: await changeRegistryRecord(layout, req.model, (cur) => {
          if (!(req.alias in cur.aliases))
            throw new KilnError(ErrorCode.notFound, `model ${req.model} has no alias "${req.alias}"`)
          const { [req.alias]: _gone, ...aliases } = cur.aliases
          return { ...cur, aliases }
        }),
      }
    case 'approve':
    case 'reject': {
      const decision = {
        status: req.op === 'approve' ? ('approved' as const) : ('rejected' as const),
        by: req.by,
        ...(req.reason ? { reason: req.reason } : {}),
        at: Date.now(),
      }
      return {
        registry: await changeRegistryRecord(layout, req.model, (cur) => {
          const state = cur.versions[String(req.version)] ?? { decisions: [] }
          const decisions = [decision, ...state.decisions].slice(0, APPROVAL_HISTORY)
          return { ...cur, versions: { ...cur.versions, [String(req.version)]: { ...state, decisions } } }
        }),
      }
    }
    case 'archive':
    case 'delete':
      return { registry: await removeVersion(layout, record, req.op, req.by) }
  }
}

// Refused while an endpoint serves it; the mark is written first, so a crash between the
// two steps leaves a version marked gone whose files are still there (harmless), never a
// listed version whose files are missing.
async function removeVersion(
  layout: OpsLayout,
  record: ModelVersionRecord,
  op: 'archive' | 'delete',
  by: string,
): Promise<ModelRegistryRecord> {
  const at = `${record.model}@${record.version}`
  const serving = (await servingEndpoints(layout)).get(at)
  if (serving?.length)
    throw new KilnError(
      ErrorCode.conflict,
      `${at} is served by endpoint${serving.length > 1 ? 's' : ''} ${serving.join(', ')}: deploy another version there first`,
      { data: { endpoints: serving } },
    )
  const mark = { by, at: Date.now() }
  const updated = await changeRegistryRecord(layout, record.model, (cur) => {
    const state = cur.versions[String(record.version)] ?? { decisions: [] }
    // An alias must never point at a version that cannot be loaded.
    const aliases = Object.fromEntries(Object.entries(cur.aliases).filter(([, v]) => v !== record.version))
    return {
      ...cur,
      aliases,
      versions: {
        ...cur.versions,
        [String(record.version)]: { ...state, [op === 'archive' ? 'archived' : 'deleted']: mark },
      },
    }
  })
  await layout.objects.models.delete(record.object).catch((err: Error) => {
    if (!/not found/i.test(err.message)) throw err
  })
  if (op === 'delete') await layout.kv.modelVersions.delete(`${record.model}.${record.version}`)
  return updated
}

/** Refuses a version whose files were archived. */
export async function assertLoadable(layout: Pick<Layout, 'kv'>, record: ModelVersionRecord): Promise<void> {
  const state = (await readRegistryRecord(layout, record.model)).versions[String(record.version)]
  if (state?.archived)
    throw new KilnError(
      ErrorCode.conflict,
      `${record.model}@${record.version} is archived (its files were deleted by ${state.archived.by})`,
    )
}

/**
 * The version a deploy of `ref` puts behind an endpoint: resolved (alias, latest), loadable,
 * and approved when the cluster requires approval. What the gateway calls before deploying.
 */
export async function resolveDeployTarget(layout: OpsLayout, ref: ModelRef): Promise<ModelVersionRecord> {
  const record = await resolveModelRef(layout, ref)
  await assertLoadable(layout, record)
  const settings = await readRegistrySettings(layout)
  if (settings.requireApproval) {
    const approval = approvalOf((await readRegistryRecord(layout, record.model)).versions[String(record.version)])
    if (approval !== 'approved')
      throw new KilnError(
        ErrorCode.permissionDenied,
        `${record.model}@${record.version} is ${approval}, and this cluster deploys only approved versions (kiln models approve ${record.model}@${record.version})`,
        { data: { model: record.model, version: record.version, approval } },
      )
  }
  return record
}
