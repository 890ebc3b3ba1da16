// The model registry as a client sees it: every version with its aliases, approval,
// archival and the endpoints serving it (read straight from the registry buckets), and the
// changes (through the coordinator's `kiln.api.models`, since clients may not write them).
import { hostname, userInfo } from 'node:os'
import type { NatsConnection } from '@nats-io/transport-node'
import {
  ModelsReplySchema,
  ModelsRequestSchema,
  Subjects,
  approvalOf,
  type Approval,
  type ApprovalDecision,
  type EndpointRecord,
  type ModelRegistryRecord,
  type ModelVersionRecord,
  type ModelsRequest,
  type RegistrySettings,
  type VersionState,
} from '@kiln/protocol'
import {
  bindLayout,
  endpointsServing,
  listModelVersions,
  listRegistryRecords,
  notFoundWithHint,
  modelNames,
  parseModelRef,
  readModelFiles,
  readRegistryRecord,
  readRegistrySettings,
  resolveModelRef,
  servingEndpoints,
  type BoundLayout,
} from '@kiln/cluster-state'
import { call } from './request.js'

/** One version as `kiln models` shows it. */
export interface ModelVersionView {
  record: ModelVersionRecord
  aliases: string[]
  approval: Approval
  /** The decision that set the approval (absent while pending). */
  decision?: ApprovalDecision
  archived?: VersionState['archived']
  /** Endpoints with a variant on this version. */
  endpoints: string[]
}

/** Every version of `records` as a view, from records already at hand (a live watch's). */
export function modelVersionViews(
  records: Iterable<ModelVersionRecord>,
  registry: ReadonlyMap<string, ModelRegistryRecord>,
  endpoints: Iterable<EndpointRecord>,
): ModelVersionView[] {
  const serving = endpointsServing(endpoints)
  return [...records].map((r) => modelVersionView(r, registry.get(r.model), serving))
}

/** Who a change is recorded as: the user and host, unless the caller says. */
export function defaultActor(): string {
  let user = 'unknown'
  try {
    user = userInfo().username
  } catch {
    // no passwd entry (some containers): keep "unknown"
  }
  return `${user}@${hostname()}`.slice(0, 128)
}

/** A version as `kiln models` and the dashboard show it: its record with its registry state and endpoints. */
export function modelVersionView(
  record: ModelVersionRecord,
  registry: ModelRegistryRecord | undefined,
  endpoints: Map<string, string[]>,
): ModelVersionView {
  const state = registry?.versions[String(record.version)]
  const out: ModelVersionView = {
    record,
    aliases: Object.entries(registry?.aliases ?? {})
      .filter(([, v]) => v === record.version)
      .map(([a]) => a)
      .sort(),
    approval: approvalOf(state),
    endpoints: endpoints.get(`${record.model}@${record.version}`) ?? [],
  }
  if (state?.decisions[0]) out.decision = state.decisions[0]
  if (state?.archived) out.archived = state.archived
  return out
}

/** Lists, resolves and changes registered models. */
export class ModelsClient {
  private layout?: Promise<BoundLayout>
  constructor(
    private readonly nc: NatsConnection,
    private readonly o: { by?: string; timeoutMs?: number } = {},
  ) {}

  private bound(): Promise<BoundLayout> {
    this.layout ??= bindLayout(this.nc)
    return this.layout
  }

  /** Every version (of one model, or all), oldest first per model, with registry state. */
  async list(model?: string): Promise<ModelVersionView[]> {
    const layout = await this.bound()
    const records = await listModelVersions(layout, model)
    if (model !== undefined && records.length === 0) throw notFoundWithHint('model', model, await modelNames(layout))
    const registry = model
      ? new Map([[model, await readRegistryRecord(layout, model)]])
      : await listRegistryRecords(layout)
    const endpoints = await servingEndpoints(layout)
    return records.map((r) => modelVersionView(r, registry.get(r.model), endpoints))
  }

  /** One version by `NAME[@VERSION|@ALIAS]` (NotFoundError with a did-you-mean). */
  async show(ref: string): Promise<ModelVersionView> {
    const layout = await this.bound()
    const record = await resolveModelRef(layout, parseModelRef(ref))
    return modelVersionView(record, await readRegistryRecord(layout, record.model), await servingEndpoints(layout))
  }

  /** The files of a version (model.json, weights, kiln-model.json). */
  async files(record: ModelVersionRecord): Promise<Map<string, Uint8Array>> {
    return readModelFiles(await this.bound(), record)
  }

  /** The cluster's registry settings. */
  async settings(): Promise<RegistrySettings> {
    return readRegistrySettings(await this.bound())
  }

  private async change(req: Record<string, unknown>): Promise<unknown> {
    const body = { v: 1, by: this.o.by ?? defaultActor(), ...req } as ModelsRequest
    return call(this.nc, Subjects.api.models, ModelsRequestSchema, body, ModelsReplySchema, {
      ...(this.o.timeoutMs ? { timeoutMs: this.o.timeoutMs } : {}),
    })
  }

  private async versionOf(ref: string): Promise<{ model: string; version: number }> {
    const record = await resolveModelRef(await this.bound(), parseModelRef(ref))
    return { model: record.model, version: record.version }
  }

  /** Points `alias` at the version `ref` names (`NAME@3`, or another alias). */
  async alias(ref: string, alias: string): Promise<ModelRegistryRecord> {
    return (
      (await this.change({ op: 'alias', ...(await this.versionOf(ref)), alias })) as { registry: ModelRegistryRecord }
    ).registry
  }

  /** Removes an alias. */
  async unalias(model: string, alias: string): Promise<ModelRegistryRecord> {
    return ((await this.change({ op: 'unalias', model, alias })) as { registry: ModelRegistryRecord }).registry
  }

  /** Records an approval or rejection of a version, with an optional reason. */
  async decide(ref: string, decision: 'approve' | 'reject', reason?: string): Promise<ModelRegistryRecord> {
    const body = { op: decision, ...(await this.versionOf(ref)), ...(reason ? { reason } : {}) }
    return ((await this.change(body)) as { registry: ModelRegistryRecord }).registry
  }

  /** Deletes a version's files (its record stays) or the version altogether; refused while served. */
  async remove(ref: string, how: 'archive' | 'delete'): Promise<ModelRegistryRecord> {
    return ((await this.change({ op: how, ...(await this.versionOf(ref)) })) as { registry: ModelRegistryRecord })
      .registry
  }

  /** Turns the rule that deploy takes only approved versions on or off. */
  async requireApproval(on: boolean): Promise<RegistrySettings> {
    return ((await this.change({ op: 'settings', requireApproval: on })) as { settings: RegistrySettings }).settings
  }
}
